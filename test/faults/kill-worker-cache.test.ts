// kill -9 the worker while it downloads a qcow2 into the image cache (the image
// server holds the response halfway, so the kill lands mid-download with a
// half-written file in the cache's tmp/), start a new worker: the deploy completes
// and the disk equals the image. Side effects counted:
// - downloads: exactly two GETs, the one the kill cut off and one complete; never a
//   third (the requirement is "at most twice": a crash costs one repeated download);
// - conversions: the one cacheImage activity completed once, and that attempt both
//   downloaded and converted; the killed attempt never reached qemu-img; the cache
//   holds one object (disk.raw equal to the image + meta.json);
// - leftovers: nothing else in the cache: no .part or staging dir of the dead
//   process (the new worker's cache sweeps them), no lock, no pin, and no hard link
//   for the node once the deploy is over (a kept link would pin the image's blocks).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { startStack, type TestStack } from '../support/stack';
import { waitFor, type Proc } from '../support/procs';
import { startLab, type Lab } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';
import { makeDemoImage } from '../lab/demo-image';
import {
  activityRuns,
  deployHistory,
  enrollAvailable,
  fastRamdisk,
  killHard,
  MiB,
  readDisk,
  startDeploy,
  startWorkerProcess,
  waitActive,
  waitForStep,
} from './fault-kit';

/** Every file under dir, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('kill -9 the worker while it caches the image', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let worker: Proc | undefined;
  const raw = makeDemoImage({ sizeBytes: 48 * MiB, marker: 'cache crash' });
  let qcow: Buffer;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-cache-'));
    fs.writeFileSync(path.join(work, 'image.raw'), raw);
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', path.join(work, 'image.raw'), path.join(work, 'image.qcow2')],
    });
    qcow = fs.readFileSync(path.join(work, 'image.qcow2'));
    images = await startImageServer();
    stack = await startStack({ worker: false, callbackTimeoutSec: 120 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 64 * MiB,
      ramdiskEnv: fastRamdisk,
    });
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-1.log') });
  });
  after(async () => {
    await worker?.stop();
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('the deploy completes; one download cut off, one complete; one conversion; nothing half-written left', async () => {
    const n = lab.nodes[0]!;
    const holdAt = Math.floor(qcow.length / 2);
    images.images.set('disk.qcow2', { data: qcow, holdAt });
    const id = await enrollAvailable(stack, n, {
      image_source: images.url('disk.qcow2'),
      image_checksum: `sha256:${crypto.createHash('sha256').update(qcow).digest('hex')}`,
    });
    await startDeploy(stack, id);
    await waitForStep(stack, id, 'cache the image');
    // The fault point: the server has sent half the qcow2 and the worker has all of it in its .part file.
    const tmp = path.join(stack.data.imageCacheRoot, 'tmp');
    const part = await waitFor(
      async () => {
        const f = fs.readdirSync(tmp).find((x) => x.endsWith('.part'));
        return images.served[0]?.held && f && fs.statSync(path.join(tmp, f)).size === holdAt ? f : undefined;
      },
      60_000,
      'a half-downloaded .part file in the cache',
    );
    await killHard(worker!);
    assert.ok(fs.existsSync(path.join(tmp, part)), 'the dead worker left its half-written download behind');
    images.images.set('disk.qcow2', { data: qcow });
    images.release();
    // The new worker retries cacheImage once the dead attempt's heartbeat times out (60 s).
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-2.log') });
    const done = await waitActive(stack, id);
    assert.equal(done.last_error, null);

    // The disk: byte for byte, and qemu-img's view (the rest of the disk is zeros).
    assert.ok(readDisk(n, raw.length).equals(raw), 'the disk equals the image');
    await runCommand({ file: 'qemu-img', args: ['compare', '-f', 'qcow2', '-F', 'raw', path.join(work, 'image.qcow2'), n.diskPath] });
    assert.equal(n.readBoot()?.marker, 'cache crash', 'the node booted the image');

    // Downloads: the cut-off one and one complete one.
    assert.deepEqual(
      images.served.map((s) => ({ bytes: s.bytesSent, complete: s.complete })),
      [
        { bytes: holdAt, complete: false },
        { bytes: qcow.length, complete: true },
      ],
      'downloaded twice: once cut off by the kill, once whole',
    );
    // Conversions: one cacheImage, completed by a retry that downloaded and converted.
    const [cache, ...more] = activityRuns(await deployHistory(stack, id), 'cacheImage');
    assert.equal(more.length, 0, 'cacheImage was scheduled once');
    assert.ok(cache!.attempts >= 2, `the cache step was retried on the new worker (attempt ${cache!.attempts})`);
    assert.deepEqual(cache!.result, {
      key: `sha256-${crypto.createHash('sha256').update(qcow).digest('hex')}`,
      sizeBytes: raw.length,
      format: 'qcow2',
      downloaded: true,
      converted: true,
    });

    // The cache: the one object, whole; nothing of the dead attempt, no lock, no pin, no node's hard link.
    const key = (cache!.result as { key: string }).key;
    const files = tree(stack.data.imageCacheRoot);
    assert.deepEqual(files, [`objects/${key}/disk.raw`, `objects/${key}/meta.json`], `cache holds exactly one object: ${files.join(', ')}`);
    assert.ok(
      fs.readFileSync(path.join(stack.data.imageCacheRoot, 'objects', key, 'disk.raw')).equals(raw),
      'the cached raw image equals the image',
    );
    assert.equal(JSON.parse(fs.readFileSync(path.join(stack.data.imageCacheRoot, 'objects', key, 'meta.json'), 'utf8')).format, 'qcow2');
  });
});
