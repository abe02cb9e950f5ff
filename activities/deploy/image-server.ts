// The HTTP image server for direct mode: the ramdisk pulls its node's raw image from
// /images/<deployment id>/<token>. Only an active deployment's own token opens its
// image; the server runs in the worker next to the image cache.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '#prisma/database';
import { openValue, type SealKeys } from '#prisma/sealed-json';
import type { ImageCache } from '../images';

export interface ImageServer {
  url: string;
  close(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

export async function startImageServer(o: {
  db: Database;
  keys: SealKeys;
  cache: ImageCache;
  host: string;
  port: number;
}): Promise<ImageServer> {
  const server = http.createServer((req, res) => {
    const m = /^\/images\/([0-9a-f-]{36})\/([A-Za-z0-9_-]{16,64})$/.exec(req.url ?? '');
    const fail = (code: number, text: string) => {
      res.writeHead(code, { 'Content-Type': 'text/plain' });
      res.end(`${text}\n`);
    };
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return fail(404, 'not found');
    void (async () => {
      const d = await o.db.deployment.findUnique({ where: { id: m[1] } });
      if (
        !d ||
        d.status !== 'active' ||
        !d.imageToken ||
        !d.imageKey ||
        d.expiresAt < new Date() ||
        !same(openValue(d.imageToken, o.keys), m[2])
      ) {
        return fail(404, 'not found');
      }
      const file = await o.cache.linkFor(d.imageKey, d.nodeUuid);
      const st = await fs.promises.stat(file);
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file, { highWaterMark: 1024 * 1024 })
        .on('error', () => res.destroy())
        .pipe(res);
    })().catch(() => fail(500, 'image unavailable'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${o.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
