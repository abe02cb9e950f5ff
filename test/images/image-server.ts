// A tiny HTTP server for image-cache tests: serves files from a map, counts
// GETs per path, and can trickle a response slowly (to kill a client mid-download).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ImageServer {
  url(p: string): string;
  gets(p: string): number;
  /** Bytes per 50 ms for this path (undefined: full speed). */
  throttle(p: string, bytesPer50ms: number | undefined): void;
  close(): Promise<void>;
}

export async function startImageServer(files: Record<string, string>): Promise<ImageServer> {
  const counts = new Map<string, number>();
  const slow = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    counts.set(p, (counts.get(p) ?? 0) + 1);
    if (p.startsWith('/redirect/')) {
      res.writeHead(302, { location: p.slice('/redirect'.length) });
      res.end();
      return;
    }
    const file = files[p];
    if (!file) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    const size = fs.statSync(file).size;
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    const rate = slow.get(p);
    if (rate === undefined) {
      fs.createReadStream(file).pipe(res);
      return;
    }
    const fd = fs.openSync(file, 'r');
    let off = 0;
    const timer = setInterval(() => {
      const buf = Buffer.alloc(Math.min(rate, size - off));
      fs.readSync(fd, buf, 0, buf.length, off);
      off += buf.length;
      res.write(buf);
      if (off >= size) {
        clearInterval(timer);
        fs.closeSync(fd);
        res.end();
      }
    }, 50);
    res.on('close', () => {
      clearInterval(timer);
      try {
        fs.closeSync(fd);
      } catch {
        /* closed */
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p) => `http://127.0.0.1:${port}${p}`,
    gets: (p) => counts.get(p) ?? 0,
    throttle: (p, b) => (b === undefined ? slow.delete(p) : slow.set(p, b)),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
