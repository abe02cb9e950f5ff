import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCountingFileServer, type CountingFileServer } from './deploy-image-server';

describe('startCountingFileServer', () => {
  let dir: string;
  let server: CountingFileServer;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dbench-'));
    fs.writeFileSync(path.join(dir, 'a.img'), Buffer.from('image bytes '.repeat(100_000)));
    server = await startCountingFileServer();
    server.serve('a.img', path.join(dir, 'a.img'));
  });
  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('serves the file byte for byte and counts each GET', async () => {
    const want = fs.readFileSync(path.join(dir, 'a.img'));
    for (let i = 0; i < 3; i++) {
      const r = await fetch(server.url('a.img'));
      assert.equal(r.status, 200);
      assert.ok(Buffer.from(await r.arrayBuffer()).equals(want));
    }
    const head = await fetch(server.url('a.img'), { method: 'HEAD' });
    assert.equal(head.headers.get('content-length'), String(want.length));
    assert.equal(server.gets('a.img'), 3, 'HEAD is not a download');
    // The server's side finishes a moment after the client has read the last byte.
    for (let i = 0; i < 100 && server.sendTimes('a.img').length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.sendTimes('a.img').length, 3);
    assert.ok(server.sendTimes('a.img').every((ms) => ms >= 0 && ms < 10_000));
    server.resetCounts();
    assert.equal(server.gets('a.img'), 0);
    assert.deepEqual(server.sendTimes('a.img'), []);
  });

  test('an unknown name is 404 (and still counted as a GET)', async () => {
    const r = await fetch(server.url('missing.img'));
    assert.equal(r.status, 404);
    assert.equal(server.gets('missing.img'), 1);
  });
});
