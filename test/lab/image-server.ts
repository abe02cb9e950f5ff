// Serves images over HTTP on 127.0.0.1 for lab tests, optionally slowly (so
// progress can be seen), truncated (a download that breaks off) or held at a
// byte offset until the test lets it go (a fault injected mid-download).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedImage {
  data: Buffer;
  /** Send in this many chunks with chunkDelayMs between them. */
  chunks?: number;
  chunkDelayMs?: number;
  /** Announce the full length but close after this many bytes. */
  truncateAt?: number;
  /** Send this many bytes, then hold the response until release() (checked per request). */
  holdAt?: number;
}

/** One GET of a known image. */
export interface ServedRequest {
  name: string;
  bytesSent: number;
  /** Waiting at holdAt for release(). */
  held: boolean;
  /** The whole body went out. */
  complete: boolean;
}

export interface ImageServer {
  url(name: string): string;
  images: Map<string, ServedImage>;
  /** Every GET of a known image, oldest first. */
  served: ServedRequest[];
  /** Lets every held response go on (a response whose client is gone just ends). */
  release(): void;
  stop(): Promise<void>;
}

export async function startImageServer(): Promise<ImageServer> {
  const images = new Map<string, ServedImage>();
  const served: ServedRequest[] = [];
  let releaseHeld: () => void = () => undefined;
  let released = new Promise<void>((r) => (releaseHeld = r));
  const server = http.createServer(async (req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    const img = images.get(name);
    if (!img) {
      res.writeHead(404).end();
      return;
    }
    const rec: ServedRequest = { name, bytesSent: 0, held: false, complete: false };
    served.push(rec);
    const gone = new Promise<void>((r) => res.once('close', () => r()));
    // Writes a slice; false when the client has gone away.
    const send = async (buf: Buffer): Promise<boolean> => {
      if (res.destroyed) return false;
      if (!res.write(buf)) await Promise.race([new Promise((r) => res.once('drain', r)), gone]);
      rec.bytesSent += buf.length;
      return !res.destroyed;
    };
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': img.data.length });
    const end = img.truncateAt ?? img.data.length;
    const n = Math.max(1, img.chunks ?? 1);
    const size = Math.ceil(end / n);
    const holdAt = img.holdAt;
    for (let off = 0; off < end;) {
      let next = Math.min(end, off + size);
      if (holdAt !== undefined && off < holdAt && next > holdAt) next = holdAt;
      if (!(await send(img.data.subarray(off, next)))) return;
      off = next;
      if (off === holdAt) {
        rec.held = true;
        await Promise.race([released, gone]);
        rec.held = false;
        if (res.destroyed) return;
      }
      if (img.chunkDelayMs) await new Promise((r) => setTimeout(r, img.chunkDelayMs));
    }
    if (img.truncateAt !== undefined) res.destroy();
    else {
      rec.complete = true;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    images,
    served,
    release() {
      releaseHeld();
      released = new Promise<void>((r) => (releaseHeld = r));
    },
    stop: () =>
      new Promise((resolve) => {
        releaseHeld();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
