import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../shared/command-runner';
import { check, convertToRaw, info, virtualSize } from './qemu-img';

const MiB = 1024 * 1024;

test('qcow2 → raw conversion keeps the content; info and check describe the image', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-qemu-img-'));
  try {
    const data = crypto.randomBytes(3 * MiB);
    fs.writeFileSync(path.join(dir, 'a.raw'), data);
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', path.join(dir, 'a.raw'), path.join(dir, 'a.qcow2')],
    });
    await runCommand({ file: 'qemu-img', args: ['resize', '-f', 'qcow2', path.join(dir, 'a.qcow2'), `${16 * MiB}`] });
    const i = await info(path.join(dir, 'a.qcow2'), { format: 'qcow2' });
    assert.equal(i.format, 'qcow2');
    assert.equal(i.virtualSize, 16 * MiB);
    assert.equal(i.backingFile, undefined);
    assert.equal((await check(path.join(dir, 'a.qcow2'), { format: 'qcow2' })).ok, true);
    const seen: number[] = [];
    await convertToRaw(path.join(dir, 'a.qcow2'), path.join(dir, 'b.raw'), { srcFormat: 'qcow2', onProgress: (b) => seen.push(b) });
    const out = fs.readFileSync(path.join(dir, 'b.raw'));
    assert.equal(out.length, 16 * MiB);
    assert.ok(out.subarray(0, 3 * MiB).equals(data));
    assert.ok(out.subarray(3 * MiB).equals(Buffer.alloc(13 * MiB)));
    assert.ok(seen.length >= 1 && seen[seen.length - 1] >= 3 * MiB);
    assert.equal(await virtualSize(path.join(dir, 'b.raw'), 'raw'), 16 * MiB);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('convertToRaw stops when aborted', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-qemu-img-'));
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(convertToRaw(path.join(dir, 'none.qcow2'), path.join(dir, 'x.raw'), { srcFormat: 'qcow2', signal: ac.signal }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
