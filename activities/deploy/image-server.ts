// The HTTP image server for direct mode: the ramdisk pulls its node's raw image from
// /images/<deployment id>/<token>. Only an active deployment's own token opens its
// image; the server runs in the worker next to the image cache. Virtual media: a BMC fetches
// a node's deploy ISO from /vmedia/<node uuid>-<sha256>.iso (the name is the capability: the
// hash covers the deployment secret), whole or by one byte range, as BMCs read CDs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '#prisma/database';
import { openValue, type SealKeys } from '#prisma/sealed-json';
import type { ImageCache } from '../images';
import { deployIsoFile } from '../vmedia';

export interface ImageServer {
  url: string;
  close(): Promise<void>;
}

function same(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/** A whole file, or the one byte range a `Range: bytes=a-b` header asks for; 404 when it is not there. */
function serveFile(req: http.IncomingMessage, res: http.ServerResponse, file: string): void {
  void fs.promises
    .stat(file)
    .then((st) => {
      let start = 0;
      let end = st.size - 1;
      const r = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (r && (r[1] || r[2])) {
        start = r[1] ? Number(r[1]) : Math.max(0, st.size - Number(r[2]));
        end = r[1] && r[2] ? Math.min(Number(r[2]), st.size - 1) : st.size - 1;
        if (start > end || start >= st.size) {
          res.writeHead(416, { 'Content-Range': `bytes */${st.size}` });
          return res.end();
        }
        res.writeHead(206, {
          'Content-Type': 'application/octet-stream',
          'Content-Length': end - start + 1,
          'Content-Range': `bytes ${start}-${end}/${st.size}`,
          'Accept-Ranges': 'bytes',
        });
      } else {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': st.size, 'Accept-Ranges': 'bytes' });
      }
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file, { start, end, highWaterMark: 1024 * 1024 })
        .on('error', () => res.destroy())
        .pipe(res);
    })
    .catch(() => {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    });
}

export async function startImageServer(o: {
  db: Database;
  keys: SealKeys;
  cache: ImageCache;
  host: string;
  port: number;
  /** Where the deploy ISOs are (DeployConfig.vmediaDir); unset: /vmedia/ answers 404. */
  vmediaDir?: string;
}): Promise<ImageServer> {
  const server = http.createServer((req, res) => {
    const iso = /^\/vmedia\/([^/]+)$/.exec(req.url ?? '');
    if (iso && o.vmediaDir && (req.method === 'GET' || req.method === 'HEAD')) {
      const file = deployIsoFile(o.vmediaDir, iso[1]!);
      if (file) return serveFile(req, res, file);
    }
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
