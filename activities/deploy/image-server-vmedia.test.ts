// The image server's /vmedia/ route: a deploy ISO by its name, whole or by one byte range (as
// BMCs read virtual CDs); names that are not an ISO's (other files of the dir, climbing out) 404.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startImageServer, type ImageServer } from './image-server';

const NAME = `0b1d7a46-2c4e-4d2c-9a57-1a2b3c4d5e6f-${'ab'.repeat(32)}.iso`;

describe('image server: /vmedia/<node>-<sha256>.iso', () => {
  let dir: string;
  let server: ImageServer;
  const body = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmedia-serve-'));
    fs.writeFileSync(path.join(dir, NAME), body, { mode: 0o600 });
    fs.mkdirSync(path.join(dir, '.loader'));
    fs.writeFileSync(path.join(dir, '.loader', 'efiboot.img'), 'x');
    // The deployment routes are not reached by these requests: no database needed.
    server = await startImageServer({ db: {} as never, keys: {} as never, cache: {} as never, host: '127.0.0.1', port: 0, vmediaDir: dir });
  });
  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('whole, HEAD, and byte ranges', async () => {
    const whole = await fetch(`${server.url}/vmedia/${NAME}`);
    assert.equal(whole.status, 200);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(body));
    const head = await fetch(`${server.url}/vmedia/${NAME}`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(body.length));
    const part = await fetch(`${server.url}/vmedia/${NAME}`, { headers: { Range: 'bytes=2048-4095' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 2048-4095/${body.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(body.subarray(2048, 4096)));
    const tail = await fetch(`${server.url}/vmedia/${NAME}`, { headers: { Range: 'bytes=-100' } });
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(body.subarray(body.length - 100)));
    const beyond = await fetch(`${server.url}/vmedia/${NAME}`, { headers: { Range: 'bytes=20000-' } });
    assert.equal(beyond.status, 416);
  });

  test('anything but an ISO name is not found', async () => {
    for (const p of ['/vmedia/.loader', '/vmedia/..%2F..%2Fetc%2Fpasswd', `/vmedia/${NAME.replace('ab', 'cd')}`, '/vmedia/']) {
      const r = await fetch(`${server.url}${p}`);
      assert.equal(r.status, 404, p);
      await r.arrayBuffer();
    }
  });
});
