// A stand-in control plane for lab tests: an HTTP server on 127.0.0.1 that
// receives the deploy ramdisk's callbacks (ramdisk/PROTOCOL.md), checks the
// per-deployment secret, treats a repeated seq as a replay (same answer, no
// new decision) and answers with the command the test chose.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RamdiskCallback {
  seq: number;
  event: string;
  body: Record<string, unknown>;
  /** Milliseconds since the epoch when it arrived (first delivery). */
  at: number;
}

export interface Answer {
  /** HTTP status to answer with (default 200). */
  status?: number;
  command?: 'wait' | 'done' | 'export' | 'erase';
  args?: Record<string, unknown>;
}

export interface ControlPlaneStub {
  port: number;
  /** Callback URL for a deployment: http://127.0.0.1:PORT/v1/ramdisk/<id>. */
  url(deployment: string): string;
  /** Accepted callbacks (replays not repeated), in arrival order. */
  callbacks: RamdiskCallback[];
  /** Every request, including rejected ones and replays. */
  requests: { seq?: number; event?: string; status: number; replay: boolean; at: number }[];
  /** Decides the answer to each new callback; default: {command:'wait'}. */
  decide: (cb: RamdiskCallback) => Answer;
  /** Resolves with the first accepted callback of `event` (or of any of several events), optionally matching. */
  waitFor(event: string | string[], timeoutMs: number, match?: (cb: RamdiskCallback) => boolean): Promise<RamdiskCallback>;
  stop(): Promise<void>;
}

export async function startControlPlaneStub(opts: { secret: string; port?: number }): Promise<ControlPlaneStub> {
  // Replays are per deployment (the URL names it) and seq.
  const answered = new Map<string, { status: number; json: string }>();
  const waiters: { events: string[]; match?: (cb: RamdiskCallback) => boolean; resolve: (cb: RamdiskCallback) => void }[] = [];
  const stub: ControlPlaneStub = {
    port: 0,
    url: (d) => `http://127.0.0.1:${stub.port}/v1/ramdisk/${encodeURIComponent(d)}`,
    callbacks: [],
    requests: [],
    decide: () => ({ command: 'wait' }),
    waitFor(event, timeoutMs, match) {
      const events = Array.isArray(event) ? event : [event];
      const found = stub.callbacks.find((c) => events.includes(c.event) && (!match || match(c)));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { events, match, resolve: (cb: RamdiskCallback) => (clearTimeout(timer), resolve(cb)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(
            new Error(
              `no '${events.join("' or '")}' callback within ${timeoutMs} ms; got: ${stub.callbacks.map((c) => c.event).join(', ') || 'nothing'}`,
            ),
          );
        }, timeoutMs);
        timer.unref();
        waiters.push(w);
      });
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const reply = (status: number, json: string) => {
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      };
      if (req.headers['x-ironflow-secret'] !== opts.secret) {
        stub.requests.push({ status: 401, replay: false, at });
        reply(401, '{"error":"bad secret"}');
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        stub.requests.push({ status: 400, replay: false, at });
        reply(400, '{"error":"not JSON"}');
        return;
      }
      const seq = Number(body.seq);
      const event = String(body.event);
      const key = `${req.url ?? ''} ${seq}`;
      const previous = answered.get(key);
      if (previous) {
        stub.requests.push({ seq, event, status: previous.status, replay: true, at });
        reply(previous.status, previous.json);
        return;
      }
      const cb: RamdiskCallback = { seq, event, body, at };
      const a = stub.decide(cb);
      const status = a.status ?? 200;
      const json = JSON.stringify(
        status < 300 ? { ack: seq, command: a.command ?? 'wait', args: a.args ?? {} } : { error: 'stub says no' },
      );
      stub.requests.push({ seq, event, status, replay: false, at });
      if (status < 300) {
        answered.set(key, { status, json });
        stub.callbacks.push(cb);
        for (const w of [...waiters]) {
          if (w.events.includes(event) && (!w.match || w.match(cb))) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(cb);
          }
        }
      }
      reply(status, json);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  stub.port = (server.address() as AddressInfo).port;
  return stub;
}
