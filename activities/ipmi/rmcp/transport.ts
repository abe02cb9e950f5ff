// One shared UDP socket per address family for every BMC the client talks to.
//
// Why shared rather than one socket per session: a process that syncs
// thousands of BMCs would otherwise hold thousands of file descriptors (the
// usual soft limit is 1024) and pay a bind per session. Demultiplexing is
// trivial and unambiguous because the client guarantees at most one request in
// flight per BMC address:port, so a datagram from address:port belongs to the
// single waiter registered for that endpoint (stale duplicates are filtered by
// that waiter's `accept`). The socket is unref'd whenever nothing is waiting,
// so an idle client never keeps the process alive; close() closes it.
import dgram from 'node:dgram';
import net from 'node:net';

export interface Link {
  /**
   * Sends `packet` and waits up to `timeoutMs` for a datagram from the same
   * endpoint that `accept` turns into a value. Resolves undefined on timeout;
   * rejects if `accept` throws (e.g. a typed RAKP error).
   */
  roundTrip<T>(packet: Buffer, accept: (msg: Buffer) => T | undefined, timeoutMs: number): Promise<T | undefined>;
  /** Sends without waiting for an answer. */
  send(packet: Buffer): void;
}

type Waiter = (msg: Buffer) => void;

export class UdpTransport {
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  private readonly waiters = new Map<string, Waiter>();
  private closed = false;

  /** A link to one endpoint; `address` must be an IP address. */
  link(address: string, port: number): Link {
    const family = net.isIPv6(address) ? 6 : 4;
    const key = endpointKey(address, port);
    return {
      send: (packet: Buffer) => {
        if (!this.closed) this.socket(family).send(packet, port, address, () => undefined);
      },
      roundTrip: <T>(packet: Buffer, accept: (msg: Buffer) => T | undefined, timeoutMs: number) =>
        new Promise<T | undefined>((resolve, reject) => {
          if (this.closed) {
            reject(new Error('IPMI transport is closed'));
            return;
          }
          if (this.waiters.has(key)) {
            reject(new Error(`internal error: two requests in flight to ${key}`));
            return;
          }
          const sock = this.socket(family);
          const finish = (): void => {
            clearTimeout(timer);
            this.waiters.delete(key);
            if (this.waiters.size === 0) this.unrefAll();
          };
          const timer = setTimeout(
            () => {
              finish();
              resolve(undefined);
            },
            Math.max(1, timeoutMs),
          );
          this.waiters.set(key, (msg) => {
            let value: T | undefined;
            try {
              value = accept(msg);
            } catch (e) {
              finish();
              reject(e);
              return;
            }
            if (value !== undefined) {
              finish();
              resolve(value);
            }
          });
          sock.ref();
          // Send errors (e.g. EHOSTUNREACH) are treated like a lost datagram.
          sock.send(packet, port, address, () => undefined);
        }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.sockets.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.sockets.clear();
    await Promise.all(closing);
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s) return s;
    s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    s.on('message', (msg, rinfo) => this.waiters.get(endpointKey(rinfo.address, rinfo.port))?.(msg));
    s.on('error', () => undefined);
    s.on('listening', () => {
      try {
        s?.setRecvBufferSize(4 * 1024 * 1024); // bursts of answers from many BMCs
      } catch {
        /* capped by the kernel; the default still works */
      }
    });
    s.unref();
    this.sockets.set(family, s);
    return s;
  }

  private unrefAll(): void {
    for (const s of this.sockets.values()) s.unref();
  }
}

export function endpointKey(address: string, port: number): string {
  return `${address}:${port}`;
}
