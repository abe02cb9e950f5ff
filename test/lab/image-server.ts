// Serves images over HTTP on 127.0.0.1 for lab tests, optionally slowly (so
// progress can be seen) or truncated (a download that breaks off).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedImage {
  data: Buffer;
  /** Send in this many chunks with chunkDelayMs between them. */
  chunks?: number;
  chunkDelayMs?: number;
  /** Announce the full length but close after this many bytes. */
  truncateAt?: number;
}

export interface ImageServer {
  url(name: string): string;
  images: Map<string, ServedImage>;
  stop(): Promise<void>;
}

export async function startImageServer(): Promise<ImageServer> {
  const images = new Map<string, ServedImage>();
  const server = http.createServer(async (req, res) => {
    const img = images.get(decodeURIComponent((req.url ?? '/').slice(1)));
    if (!img) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': img.data.length });
    const end = img.truncateAt ?? img.data.length;
    const n = Math.max(1, img.chunks ?? 1);
    const size = Math.ceil(end / n);
    for (let off = 0; off < end; off += size) {
      if (!res.write(img.data.subarray(off, Math.min(end, off + size)))) await new Promise((r) => res.once('drain', r));
      if (img.chunkDelayMs) await new Promise((r) => setTimeout(r, img.chunkDelayMs));
    }
    if (img.truncateAt !== undefined) res.destroy();
    else res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    images,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
