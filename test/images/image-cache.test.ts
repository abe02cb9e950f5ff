// ImageCache against a real HTTP server, real qemu-img and real processes.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { ImageCache } from '#activities/images/image-cache';
import { CorruptImageError, ImageChecksumMismatchError, ImageDownloadError, ImageSourceRefusedError } from '#activities/images/errors';
import { startImageServer, type ImageServer } from './image-server';
import { waitFor } from '../support/procs';

const MiB = 1024 * 1024;

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
function md5(file: string): string {
  return crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');
}

interface ChildRun {
  pid: number;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}
function runChild(root: string, url: string, checksum: string): ChildRun {
  const child = spawn(process.execPath, [path.join(__dirname, 'ensure-child.js'), root, url, checksum], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return { pid: child.pid!, done: new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr }))) };
}

describe('ImageCache', () => {
  let dir: string;
  let server: ImageServer;
  let qcowSum: string;
  let rawOfQcow: Buffer;
  const files: Record<string, string> = {};
  const f = (n: string) => path.join(dir, 'src', n);

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-cache-test-'));
    fs.mkdirSync(path.join(dir, 'src'));
    // A qcow2 whose disk is 12 MiB: 5 MiB of data, then zeros.
    const data = crypto.randomBytes(5 * MiB);
    fs.writeFileSync(f('data.raw'), data);
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', f('data.raw'), f('disk.qcow2')] });
    await runCommand({ file: 'qemu-img', args: ['resize', '-f', 'qcow2', f('disk.qcow2'), `${12 * MiB}`] });
    rawOfQcow = Buffer.concat([data, Buffer.alloc(7 * MiB)]);
    qcowSum = `sha256:${sha256(f('disk.qcow2'))}`;
    for (const n of ['a', 'b', 'c', 'd']) fs.writeFileSync(f(`${n}.raw`), crypto.randomBytes(MiB));
    // Valid checksum, broken content: a truncated qcow2.
    const q = fs.readFileSync(f('disk.qcow2'));
    fs.writeFileSync(f('trunc.qcow2'), q.subarray(0, Math.floor(q.length * 0.6)));
    fs.writeFileSync(f('slow.raw'), crypto.randomBytes(4 * MiB));
    for (const n of ['disk.qcow2', 'a.raw', 'b.raw', 'c.raw', 'd.raw', 'trunc.qcow2', 'slow.raw', 'data.raw']) files[`/${n}`] = f(n);
    server = await startImageServer(files);
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const freshRoot = () => fs.mkdtempSync(path.join(dir, 'cache-'));

  test('three concurrent ensure() calls: one GET, one download, one conversion, same raw image for all', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    const url = server.url('/disk.qcow2');
    const phases = new Set<string>();
    let lastDownloaded = 0;
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        cache.ensure(url, qcowSum, {
          // A follower (not the caller that started the download) still sees progress.
          onProgress:
            i === 3
              ? (bytes, phase) => {
                  phases.add(phase);
                  if (phase === 'download') lastDownloaded = bytes;
                }
              : undefined,
        }),
      ),
    );
    assert.deepEqual([...phases].sort(), ['convert', 'download']);
    assert.equal(lastDownloaded, fs.statSync(f('disk.qcow2')).size);
    assert.equal(server.gets('/disk.qcow2'), 1);
    assert.deepEqual(cache.stats(), { downloads: 1, conversions: 1, hits: 0, evictions: 0 });
    assert.equal(results.filter((r) => r.downloaded).length, 1);
    assert.equal(results.filter((r) => r.converted).length, 1);
    for (const r of results) {
      assert.equal(r.rawPath, results[0].rawPath);
      assert.equal(r.format, 'qcow2');
      assert.equal(r.sizeBytes, 12 * MiB);
      assert.equal(r.key, `sha256-${qcowSum.slice(7)}`);
    }
    assert.ok(fs.readFileSync(results[0].rawPath).equals(rawOfQcow));
    // Later calls are hits: no new GET.
    const again = await cache.ensure(url, qcowSum);
    assert.equal(again.downloaded, false);
    assert.equal(server.gets('/disk.qcow2'), 1);
    assert.equal(cache.stats().hits, 1);
  });

  test('three processes sharing one cache root download the image once', async () => {
    const root = freshRoot();
    const url = server.url('/disk.qcow2');
    const before = server.gets('/disk.qcow2');
    const runs = [1, 2, 3].map(() => runChild(root, url, qcowSum));
    const outs = await Promise.all(runs.map((r) => r.done));
    for (const o of outs) assert.equal(o.code, 0, o.stderr);
    const results = outs.map((o) => JSON.parse(o.stdout) as { downloaded: boolean; converted: boolean; rawPath: string });
    assert.equal(server.gets('/disk.qcow2') - before, 1);
    assert.equal(results.filter((r) => r.downloaded).length, 1);
    assert.equal(results.filter((r) => r.converted).length, 1);
    assert.ok(fs.readFileSync(results[0].rawPath).equals(rawOfQcow));
  });

  test('a checksum mismatch fails with ImageChecksumMismatchError and caches nothing', async () => {
    const root = freshRoot();
    const cache = new ImageCache({ root });
    const wrong = `sha256:${'0'.repeat(64)}`;
    await assert.rejects(cache.ensure(server.url('/a.raw'), wrong), (e: unknown) => {
      assert.ok(e instanceof ImageChecksumMismatchError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, /expected/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(path.join(root, 'objects')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'locks')), []);
  });

  test('a raw image through a redirect with a bare md5 checksum is cached as is (no conversion)', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    const r = await cache.ensure(server.url('/redirect/a.raw'), md5(f('a.raw')));
    assert.equal(r.format, 'raw');
    assert.equal(r.converted, false);
    assert.equal(r.downloaded, true);
    assert.equal(r.sizeBytes, MiB);
    assert.equal(sha256(r.rawPath), sha256(f('a.raw')));
  });

  test('a truncated qcow2 with a matching checksum is refused as corrupt and not cached', async () => {
    const root = freshRoot();
    const cache = new ImageCache({ root });
    await assert.rejects(cache.ensure(server.url('/trunc.qcow2'), `sha256:${sha256(f('trunc.qcow2'))}`), CorruptImageError);
    assert.deepEqual(fs.readdirSync(path.join(root, 'objects')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
  });

  test('HTTP 404 is a non-retryable download error', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    await assert.rejects(cache.ensure(server.url('/missing.img'), `sha256:${'1'.repeat(64)}`), (e: unknown) => {
      assert.ok(e instanceof ImageDownloadError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, /HTTP 404/);
      return true;
    });
  });

  test('file:// sources are read from the image directory only', async () => {
    const cache = new ImageCache({ root: freshRoot(), imageDir: path.join(dir, 'src') });
    const r = await cache.ensure(`file://${f('b.raw')}`, `sha256:${sha256(f('b.raw'))}`);
    assert.equal(sha256(r.rawPath), sha256(f('b.raw')));
    await assert.rejects(
      cache.ensure(`file://${path.join(dir, 'src', '..', 'elsewhere.raw')}`, `sha256:${'2'.repeat(64)}`),
      /outside the image directory|does not exist/,
    );
  });

  test('kill -9 mid-download leaves no valid entry; the next ensure breaks the stale lock and completes', async () => {
    const root = freshRoot();
    const sum = `sha256:${sha256(f('slow.raw'))}`;
    const key = `sha256-${sum.slice(7)}`;
    server.throttle('/slow.raw', 64 * 1024);
    const run = runChild(root, server.url('/slow.raw'), sum);
    await waitFor(
      async () =>
        fs.readdirSync(path.join(root, 'tmp')).some((n) => n.endsWith('.part') && fs.statSync(path.join(root, 'tmp', n)).size > 256 * 1024),
      10_000,
      'a partial download',
    );
    process.kill(run.pid, 'SIGKILL');
    await run.done;
    server.throttle('/slow.raw', undefined);
    assert.equal(fs.existsSync(path.join(root, 'objects', key)), false);
    assert.equal(fs.existsSync(path.join(root, 'locks', `${key}.lock`)), true, 'the dead process left its lock behind');
    const cache = new ImageCache({ root });
    const r = await cache.ensure(server.url('/slow.raw'), sum);
    assert.equal(r.downloaded, true);
    assert.equal(sha256(r.rawPath), sha256(f('slow.raw')));
    // The dead process's partial file was swept.
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
  });

  test('one caller aborting does not cancel the shared download for the others', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    const sum = `sha256:${sha256(f('slow.raw'))}`;
    const before = server.gets('/slow.raw');
    server.throttle('/slow.raw', 512 * 1024);
    try {
      const ac = new AbortController();
      const quitter = cache.ensure(server.url('/slow.raw'), sum, { signal: ac.signal });
      const stayer = cache.ensure(server.url('/slow.raw'), sum);
      setTimeout(() => ac.abort(), 100);
      await assert.rejects(quitter);
      const r = await stayer;
      assert.equal(sha256(r.rawPath), sha256(f('slow.raw')));
      assert.equal(server.gets('/slow.raw') - before, 1);
    } finally {
      server.throttle('/slow.raw', undefined);
    }
  });

  test('when every caller aborts, the download stops and leaves nothing behind; the next ensure starts afresh', async () => {
    const root = freshRoot();
    const cache = new ImageCache({ root });
    const sum = `sha256:${sha256(f('slow.raw'))}`;
    server.throttle('/slow.raw', 128 * 1024);
    try {
      const ac = new AbortController();
      const p = cache.ensure(server.url('/slow.raw'), sum, { signal: ac.signal });
      setTimeout(() => ac.abort(), 150);
      await assert.rejects(p);
      await waitFor(
        async () => fs.readdirSync(path.join(root, 'tmp')).length === 0 && fs.readdirSync(path.join(root, 'locks')).length === 0,
        5000,
        'cleanup',
      );
      assert.deepEqual(fs.readdirSync(path.join(root, 'objects')), []);
    } finally {
      server.throttle('/slow.raw', undefined);
    }
    const r = await cache.ensure(server.url('/slow.raw'), sum);
    assert.equal(r.downloaded, true);
    assert.equal(sha256(r.rawPath), sha256(f('slow.raw')));
  });

  test('quota: least recently used unpinned images are evicted, pinned ones never; pins survive a restart', async () => {
    const root = freshRoot();
    const sumOf = (n: string) => `sha256:${sha256(f(`${n}.raw`))}`;
    const cache = new ImageCache({ root, maxBytes: Math.floor(2.5 * MiB) });
    const a = await cache.ensure(server.url('/a.raw'), sumOf('a'), { pinFor: 'node-1' });
    await new Promise((r) => setTimeout(r, 20));
    const b = await cache.ensure(server.url('/b.raw'), sumOf('b'));
    await new Promise((r) => setTimeout(r, 20));
    const c = await cache.ensure(server.url('/c.raw'), sumOf('c'));
    // a is the oldest but pinned, so b goes.
    const keys = (await cache.list()).map((e) => e.key).sort();
    assert.deepEqual(keys, [a.key, c.key].sort());
    assert.equal(fs.existsSync(b.rawPath), false);
    assert.equal(cache.stats().evictions, 1);

    // A new instance (a restarted worker) still sees the pin.
    const restarted = new ImageCache({ root, maxBytes: Math.floor(2.5 * MiB) });
    assert.deepEqual(await restarted.pins(a.key), ['node-1']);
    const link = await restarted.linkFor(a.key, 'node-1');
    assert.equal(fs.statSync(link).ino, fs.statSync(a.rawPath).ino);
    assert.equal(await restarted.linkFor(a.key, 'node-1'), link, 'linkFor is idempotent');
    await new Promise((r) => setTimeout(r, 20));
    await restarted.ensure(server.url('/c.raw'), sumOf('c')); // c is now the most recently used
    await restarted.unpin(a.key, 'node-1');
    await restarted.unpin(a.key, 'node-1'); // idempotent
    await restarted.ensure(server.url('/d.raw'), sumOf('d'));
    const left = (await restarted.list()).map((e) => e.key);
    assert.ok(!left.includes(a.key), 'a (unpinned, least recently used) is evicted');
    assert.ok(left.includes(c.key));
    // The node's hard link outlives the evicted master.
    assert.equal(sha256(link), sha256(f('a.raw')));
    await restarted.unlinkFor(a.key, 'node-1');
    assert.equal(fs.existsSync(link), false);
  });

  test('a damaged entry (raw image without meta.json) is replaced, not trusted', async () => {
    const root = freshRoot();
    const sum = `sha256:${sha256(f('c.raw'))}`;
    const key = `sha256-${sum.slice(7)}`;
    fs.mkdirSync(path.join(root, 'objects', key), { recursive: true });
    fs.writeFileSync(path.join(root, 'objects', key, 'disk.raw'), 'garbage');
    const cache = new ImageCache({ root });
    const r = await cache.ensure(server.url('/c.raw'), sum);
    assert.equal(r.downloaded, true);
    assert.equal(sha256(r.rawPath), sha256(f('c.raw')));
  });

  test('holder ids and keys that could escape the cache root are refused', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    await assert.rejects(cache.pin(`sha256-${'a'.repeat(64)}`, '../evil'), /invalid cache holder/);
    await assert.rejects(cache.linkFor('../../etc', 'node-1'), /invalid image cache key/);
  });

  // Boot files by URL (driver_info.deploy_kernel/deploy_ramdisk): no checksum, no conversion.
  test('ensureFile: concurrent calls fetch a URL once, later calls fetch nothing, the file is kept as it came', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    const url = server.url('/a.raw');
    const before = server.gets('/a.raw');
    const results = await Promise.all([1, 2, 3].map(() => cache.ensureFile(url)));
    assert.equal(server.gets('/a.raw') - before, 1, 'one GET');
    assert.equal(results.filter((r) => r.downloaded).length, 1);
    for (const r of results) {
      assert.equal(r.path, results[0].path);
      assert.equal(r.key, `sha256-${sha256(f('a.raw'))}`);
      assert.equal(r.sizeBytes, MiB);
    }
    assert.ok(fs.readFileSync(results[0].path).equals(fs.readFileSync(f('a.raw'))));
    // A new ImageCache on the same root (a restarted worker) finds it by URL.
    const again = await new ImageCache({ root: (cache as unknown as { root: string }).root }).ensureFile(url);
    assert.equal(again.downloaded, false);
    assert.equal(again.path, results[0].path);
    assert.equal(server.gets('/a.raw') - before, 1, 'still one GET');
  });

  test('ensureFile: the same bytes under two URLs are stored once', async () => {
    const cache = new ImageCache({ root: freshRoot() });
    const viaRedirect = await cache.ensureFile(server.url('/redirect/b.raw'));
    const direct = await cache.ensureFile(server.url('/b.raw'));
    assert.equal(direct.key, viaRedirect.key);
    assert.equal(direct.path, viaRedirect.path);
    assert.equal(direct.downloaded, true, 'each URL is fetched once');
  });

  test('ensureFile: 404, a file over the size limit and a refused address fail clearly and cache nothing', async () => {
    const root = freshRoot();
    const cache = new ImageCache({ root, maxFileBytes: MiB - 1 });
    await assert.rejects(cache.ensureFile(server.url('/missing.kernel')), (e: unknown) => {
      assert.ok(e instanceof ImageDownloadError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, /missing\.kernel answered HTTP 404/);
      return true;
    });
    await assert.rejects(cache.ensureFile(server.url('/c.raw')), (e: unknown) => {
      assert.ok(e instanceof ImageDownloadError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, /c\.raw is larger than the 1048575 bytes allowed/);
      return true;
    });
    await assert.rejects(cache.ensureFile('http://10.1.2.3/ipa.kernel'), ImageSourceRefusedError);
    await assert.rejects(cache.ensureFile(`file://${f('c.raw')}`), /not an http\(s\) URL/);
    assert.deepEqual(fs.readdirSync(path.join(root, 'objects')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'urls')), []);
    assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
  });

  test('ensureFile: with an ETag each use revalidates: 304 keeps the copy, new content replaces it, a server away falls back to the copy', async () => {
    let body = Buffer.from('ramdisk v1');
    let etag = '"v1"';
    let down = false;
    const seen: Array<string | undefined> = [];
    const srv = http.createServer((req, res) => {
      seen.push(req.headers['if-none-match']);
      if (down) res.writeHead(503).end();
      else if (req.headers['if-none-match'] === etag) res.writeHead(304).end();
      else res.writeHead(200, { etag, 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/ipa.initramfs`;
      const cache = new ImageCache({ root: freshRoot() });
      const first = await cache.ensureFile(url);
      assert.equal(first.downloaded, true);
      const same = await cache.ensureFile(url);
      assert.deepEqual([same.downloaded, same.path], [false, first.path]);
      assert.deepEqual(seen, [undefined, '"v1"'], 'the second use was a conditional GET');
      body = Buffer.from('ramdisk v2, bigger');
      etag = '"v2"';
      const changed = await cache.ensureFile(url);
      assert.equal(changed.downloaded, true);
      assert.notEqual(changed.key, first.key);
      assert.ok(fs.readFileSync(changed.path).equals(body));
      down = true;
      const away = await cache.ensureFile(url);
      assert.deepEqual([away.downloaded, away.path], [false, changed.path], 'a 503 uses the cached copy');
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
