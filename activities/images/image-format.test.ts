// Format detection and validation against images made by the real qemu-img.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../shared/command-runner';
import { detectFormat, inspectImage } from './image-format';
import { CorruptImageError, UnsupportedImageError } from './errors';

const MiB = 1024 * 1024;

describe('image format from content', () => {
  let dir: string;
  const p = (n: string) => path.join(dir, n);
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-fmt-'));
    const data = Buffer.alloc(4 * MiB, 7);
    fs.writeFileSync(p('data.raw'), data);
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', p('data.raw'), p('disk.qcow2')] });
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', '-o', 'compat=0.10', p('data.raw'), p('v2.qcow2')],
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a qcow2 is qcow2 whatever its name, and a raw file named .qcow2 is raw', async () => {
    fs.copyFileSync(p('disk.qcow2'), p('looks-raw.img'));
    fs.copyFileSync(p('data.raw'), p('looks-qcow2.qcow2'));
    assert.deepEqual(await detectFormat(p('looks-raw.img')), { format: 'qcow2', qcow2Version: 3 });
    assert.deepEqual(await detectFormat(p('v2.qcow2')), { format: 'qcow2', qcow2Version: 2 });
    assert.deepEqual(await detectFormat(p('looks-qcow2.qcow2')), { format: 'raw' });
  });

  test('inspectImage reports the virtual size of a valid qcow2 and of a raw file', async () => {
    assert.deepEqual(await inspectImage(p('disk.qcow2')), { format: 'qcow2', virtualSize: 4 * MiB, qcow2Version: 3 });
    assert.deepEqual(await inspectImage(p('data.raw')), { format: 'raw', virtualSize: 4 * MiB });
  });

  test('a truncated qcow2 is reported as corrupt', async () => {
    const full = fs.readFileSync(p('disk.qcow2'));
    fs.writeFileSync(p('trunc.qcow2'), full.subarray(0, Math.floor(full.length / 2)));
    await assert.rejects(inspectImage(p('trunc.qcow2')), (e: unknown) => {
      assert.ok(e instanceof CorruptImageError, String(e));
      assert.match(e.message, /corrupt/);
      return true;
    });
  });

  test('a qcow2 with a damaged header is reported as corrupt', async () => {
    const bad = Buffer.from(fs.readFileSync(p('disk.qcow2')));
    bad.writeUInt32BE(7, 4); // version 7
    fs.writeFileSync(p('badver.qcow2'), bad);
    await assert.rejects(inspectImage(p('badver.qcow2')), /qcow2 version 7/);
    fs.writeFileSync(p('stub.qcow2'), bad.subarray(0, 40));
    await assert.rejects(inspectImage(p('stub.qcow2')), CorruptImageError);
    const l1 = Buffer.from(fs.readFileSync(p('disk.qcow2')));
    l1.writeBigUInt64BE(BigInt(64 * MiB), 40); // L1 table far beyond EOF
    fs.writeFileSync(p('l1.qcow2'), l1);
    await assert.rejects(inspectImage(p('l1.qcow2')), CorruptImageError);
  });

  test('a qcow2 with a backing file is refused (it could read host files)', async () => {
    // -u: the backing file is only named, not opened (a machine need not have /etc/hostname).
    await runCommand({
      file: 'qemu-img',
      args: ['create', '-f', 'qcow2', '-F', 'raw', '-u', '-b', '/etc/hostname', p('backed.qcow2'), `${MiB}`],
    });
    await assert.rejects(inspectImage(p('backed.qcow2')), (e: unknown) => {
      assert.ok(e instanceof UnsupportedImageError, String(e));
      assert.match(e.message, /backing file/);
      return true;
    });
  });

  test('an empty file is not an image', async () => {
    fs.writeFileSync(p('empty.img'), '');
    await assert.rejects(inspectImage(p('empty.img')), /empty/);
  });
});
