// `direct` mode: the ramdisk streams the image over HTTP onto the disk,
// reports progress, reads back what it wrote and reports the checksum; a
// mismatch or a broken download is `result {ok:false}`, never success.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../support/procs';
import { startControlPlaneStub, type RamdiskCallback } from './control-plane-stub';
import { makeDemoImage } from './demo-image';
import { startImageServer, type ImageServer, type ServedImage } from './image-server';
import { ipmitool } from './ipmitool';
import { startLab, type Lab, type LabNode } from './lab';
import { prepareTftpRoot, writeDeployConfig } from './pxe-fixture';

const MiB = 1024 * 1024;

describe('lab node: direct deploy', () => {
  let lab: Lab;
  let images: ImageServer;

  before(async () => {
    images = await startImageServer();
    lab = await startLab({
      nodes: 1,
      dir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-direct-')), 'lab'),
      diskSize: 32 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_PROGRESS_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100' },
    });
    prepareTftpRoot(lab.tftpRoot);
  });
  after(async () => {
    await lab?.stop();
    await images?.stop();
    if (lab) fs.rmSync(path.dirname(lab.dir), { recursive: true, force: true });
  });

  /** One deployment from PXE power-on to `done`; returns the callbacks. */
  async function deploy(node: LabNode, id: string, served: ServedImage, checksum: string): Promise<RamdiskCallback[]> {
    const secret = crypto.randomBytes(16).toString('hex');
    const cp = await startControlPlaneStub({ secret });
    try {
      images.images.set(id, served);
      fs.writeFileSync(node.diskPath, Buffer.alloc(0));
      fs.truncateSync(node.diskPath, 32 * MiB);
      writeDeployConfig(lab.tftpRoot, node.mac, {
        deployment: id,
        secret,
        callback: cp.url(id),
        mode: 'direct',
        imageUrl: images.url(id),
        imageChecksum: checksum,
      });
      await ipmitool(node.bmc, 'chassis', 'bootdev', 'pxe');
      await ipmitool(node.bmc, 'power', 'on');
      await cp.waitFor('result', 30000);
      cp.decide = (cb) => ({ command: cb.event === 'poll' ? 'done' : 'wait' });
      await waitFor(async () => node.power() === 'off', 10000, 'power off after done');
      return cp.callbacks;
    } finally {
      await cp.stop();
    }
  }

  test('a good image is written, progress reported and its sha256 verified by reading back', async () => {
    const node = lab.nodes[0]!;
    const data = makeDemoImage({ sizeBytes: 12 * MiB, marker: 'direct demo' });
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    const cbs = await deploy(node, 'direct-ok', { data, chunks: 24, chunkDelayMs: 40 }, `sha256:${sha.toUpperCase()}`);
    const result = cbs.find((c) => c.event === 'result')!;
    assert.deepEqual(
      { ok: result.body.ok, checksum: result.body.checksum, bytes_done: result.body.bytes_done, error: result.body.error },
      { ok: true, checksum: `sha256:${sha}`, bytes_done: data.length, error: undefined },
    );
    const progress = cbs.filter((c) => c.event === 'progress');
    const writes = progress.filter((c) => c.body.phase === 'write');
    assert.ok(writes.length >= 2, `expected write progress, got ${JSON.stringify(progress.map((p) => p.body))}`);
    assert.ok(writes.every((p) => p.body.bytes_total === data.length));
    const done = writes.map((p) => Number(p.body.bytes_done));
    assert.deepEqual(
      [...done].sort((a, b) => a - b),
      done,
      'progress never goes back',
    );
    assert.ok(progress.some((p) => p.body.phase === 'verify'));
    const disk = fs.readFileSync(node.diskPath);
    assert.ok(disk.subarray(0, data.length).equals(data), 'the disk holds the image');
    assert.equal(node.ramdiskExit(), 0);
  });

  test('a download whose bytes do not match the checksum is reported as result ok:false', async () => {
    const node = lab.nodes[0]!;
    const data = makeDemoImage({ sizeBytes: 2 * MiB, marker: 'corrupt demo' });
    const sha = crypto.createHash('sha256').update(data).digest('hex');
    const corrupt = Buffer.from(data);
    corrupt[MiB] ^= 0xff;
    const cbs = await deploy(node, 'direct-corrupt', { data: corrupt }, `sha256:${sha}`);
    const result = cbs.find((c) => c.event === 'result')!;
    assert.equal(result.body.ok, false);
    assert.match(String(result.body.error), /checksum mismatch/);
    assert.notEqual(result.body.checksum, `sha256:${sha}`);
    assert.equal(cbs.filter((c) => c.event === 'result').length, 1, 'one result only');
    assert.equal(node.ramdiskExit(), 1, 'the ramdisk ends with a failure code');
  });

  test('a download that breaks off is reported as result ok:false', async () => {
    const node = lab.nodes[0]!;
    const data = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'truncated demo' });
    const md5 = crypto.createHash('md5').update(data).digest('hex');
    const cbs = await deploy(node, 'direct-truncated', { data, truncateAt: MiB + 100 }, `md5:${md5}`);
    const result = cbs.find((c) => c.event === 'result')!;
    assert.equal(result.body.ok, false);
    assert.match(String(result.body.error), /download|short/);
  });

  test('sha512 images verify too', async () => {
    const node = lab.nodes[0]!;
    const data = makeDemoImage({ sizeBytes: MiB, marker: 'sha512 demo' });
    const sha512 = crypto.createHash('sha512').update(data).digest('hex');
    const cbs = await deploy(node, 'direct-sha512', { data }, `sha512:${sha512}`);
    const result = cbs.find((c) => c.event === 'result')!;
    assert.equal(result.body.ok, true);
    assert.equal(result.body.checksum, `sha512:${sha512}`);
  });
});
