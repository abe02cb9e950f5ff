// Serves files over HTTP on 127.0.0.1 (streamed from disk, so a 1 GiB image
// does not sit in the bench's memory) and counts the GET requests per name,
// so the benchmark can show that concurrent deploys download an image once.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

export interface CountingFileServer {
  url(name: string): string;
  /** Serve `file` under `name`. */
  serve(name: string, file: string): void;
  /** GET requests for `name` so far. */
  gets(name: string): number;
  /** How long each completed GET of `name` took to send, ms (since the last resetCounts). */
  sendTimes(name: string): number[];
  resetCounts(): void;
  stop(): Promise<void>;
}

export async function startCountingFileServer(): Promise<CountingFileServer> {
  const files = new Map<string, string>();
  const counts = new Map<string, number>();
  const times = new Map<string, number[]>();
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    const file = files.get(name);
    if (req.method === 'GET') counts.set(name, (counts.get(name) ?? 0) + 1);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end();
      return;
    }
    const size = fs.statSync(file).size;
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const t0 = process.hrtime.bigint();
    pipeline(fs.createReadStream(file, { highWaterMark: 1024 * 1024 }), res).then(
      () => times.set(name, [...(times.get(name) ?? []), Number(process.hrtime.bigint() - t0) / 1e6]),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    serve: (name, file) => void files.set(name, file),
    gets: (name) => counts.get(name) ?? 0,
    sendTimes: (name) => [...(times.get(name) ?? [])],
    resetCounts: () => {
      counts.clear();
      times.clear();
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
