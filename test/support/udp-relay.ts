// A lossy UDP relay for tests: listens on 127.0.0.1:<free port>, forwards each
// client's datagrams to the target (one upstream socket per client, so answers
// find their way back) and drops a configurable fraction in each direction,
// decided by a seeded PRNG so a run is reproducible. `dead = true` drops all.
import dgram from 'node:dgram';

export interface RelayOptions {
  targetAddress: string;
  targetPort: number;
  /** Fraction of client->target datagrams to drop (0..1). */
  dropToTarget?: number;
  /** Fraction of target->client datagrams to drop (0..1). */
  dropToClient?: number;
  seed?: number;
}

export interface RelayStats {
  forwardedToTarget: number;
  droppedToTarget: number;
  forwardedToClient: number;
  droppedToClient: number;
}

export interface UdpRelay {
  address: string;
  port: number;
  stats: RelayStats;
  /** Drop every datagram both ways (a BMC that never answers). */
  dead: boolean;
  dropToTarget: number;
  dropToClient: number;
  /** Consulted for each answer to the client: true drops it (a test's precise fault point). */
  dropToClientIf?: () => boolean;
  close(): Promise<void>;
}

/** mulberry32: a tiny deterministic PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startUdpRelay(o: RelayOptions): Promise<UdpRelay> {
  // One PRNG per direction, so each direction's losses depend only on its own datagram order.
  const randomToTarget = seededRandom(o.seed ?? 1);
  const randomToClient = seededRandom(((o.seed ?? 1) ^ 0x9e3779b9) >>> 0);
  const front = dgram.createSocket('udp4');
  const upstreams = new Map<string, dgram.Socket>();
  const stats: RelayStats = { forwardedToTarget: 0, droppedToTarget: 0, forwardedToClient: 0, droppedToClient: 0 };
  const relay: UdpRelay = {
    address: '127.0.0.1',
    port: 0,
    stats,
    dead: false,
    dropToTarget: o.dropToTarget ?? 0,
    dropToClient: o.dropToClient ?? 0,
    async close() {
      const all = [front, ...upstreams.values()];
      upstreams.clear();
      await Promise.all(all.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };

  const upstreamFor = (clientAddress: string, clientPort: number): dgram.Socket => {
    const key = `${clientAddress}:${clientPort}`;
    let up = upstreams.get(key);
    if (!up) {
      up = dgram.createSocket('udp4');
      up.on('error', () => undefined);
      up.on('message', (msg) => {
        if (relay.dead || randomToClient() < relay.dropToClient || relay.dropToClientIf?.()) {
          stats.droppedToClient++;
          return;
        }
        stats.forwardedToClient++;
        front.send(msg, clientPort, clientAddress);
      });
      upstreams.set(key, up);
    }
    return up;
  };

  front.on('error', () => undefined);
  front.on('message', (msg, rinfo) => {
    if (relay.dead || randomToTarget() < relay.dropToTarget) {
      stats.droppedToTarget++;
      return;
    }
    stats.forwardedToTarget++;
    upstreamFor(rinfo.address, rinfo.port).send(msg, o.targetPort, o.targetAddress);
  });
  await new Promise<void>((resolve) => front.bind(0, '127.0.0.1', () => resolve()));
  relay.port = front.address().port;
  return relay;
}
