// `erase` mode: the ramdisk reports its disks, then does what the control
// plane says: `erase` metadata (the first MiB and the last 66 MiB) or full (every byte, with
// progress), each followed by a sampling verify; `export` as in iSCSI mode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { waitFor } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';
import { ipmitool } from './ipmitool';
import { startLab, type Lab } from './lab';
import { prepareTftpRoot, writeDeployConfig } from './pxe-fixture';

const MiB = 1024 * 1024;
const SIZE = 80 * MiB; // more than the 67 MiB of metadata windows, so a middle is left

describe('lab node: erase', () => {
  let lab: Lab;
  let cp: ControlPlaneStub;
  const secret = crypto.randomBytes(16).toString('hex');
  const chapSecret = crypto.randomBytes(12).toString('hex');
  const iqn = 'iqn.2026-11.org.ironflow:erase-1';
  let original: Buffer;
  let next: { command: 'wait' | 'done' | 'export' | 'erase'; args?: Record<string, unknown> } = { command: 'wait' };

  before(async () => {
    cp = await startControlPlaneStub({ secret });
    // The answer to the next poll (or disks/result/ready) is whatever the test set last; it is used once.
    cp.decide = (cb) => {
      if (cb.event === 'progress') return { command: 'wait' };
      const a = next;
      next = { command: 'wait' };
      return a;
    };
    lab = await startLab({
      nodes: 1,
      dir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-erase-')), 'lab'),
      diskSize: SIZE,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_PROGRESS_INTERVAL: '0.1', IRONFLOW_BACKOFF_MS: '100' },
    });
    prepareTftpRoot(lab.tftpRoot);
    original = crypto.randomBytes(SIZE);
    fs.writeFileSync(lab.nodes[0]!.diskPath, original);
    const node = lab.nodes[0]!;
    writeDeployConfig(lab.tftpRoot, node.mac, {
      deployment: 'erase-1',
      secret,
      callback: cp.url('erase-1'),
      mode: 'erase',
      iqn,
      chapUser: 'eraser',
      chapSecret,
    });
    await ipmitool(node.bmc, 'chassis', 'bootdev', 'pxe');
    await ipmitool(node.bmc, 'power', 'on');
  });
  after(async () => {
    await lab?.stop();
    await cp?.stop();
    if (lab) fs.rmSync(path.dirname(lab.dir), { recursive: true, force: true });
  });

  test('the first thing it reports is its disks', async () => {
    const node = lab.nodes[0]!;
    const disks = await cp.waitFor('disks', 20000);
    assert.equal(cp.callbacks[0]!.event, 'disks');
    assert.deepEqual(disks.body.disks, [{ path: node.diskPath, size_bytes: SIZE, model: 'lab-disk lab-0', rotational: false }]);
  });

  test('erase metadata zeroes the first MiB and the last 66 MiB (backup GPT, config drive) only, and the verify says so', async () => {
    const node = lab.nodes[0]!;
    const before = cp.callbacks.length;
    next = { command: 'erase', args: { mode: 'metadata' } };
    const result = await cp.waitFor('result', 20000, (c) => cp.callbacks.indexOf(c) >= before);
    assert.equal(result.body.ok, true);
    assert.equal(result.body.mode, 'metadata');
    const [v] = result.body.verify as Record<string, unknown>[];
    assert.equal(v!.first_mib_zero, true);
    assert.equal(v!.tail_zero, true);
    assert.equal(v!.samples, 64);
    assert.ok(Number(v!.samples_nonzero) > 0, 'data outside the ends is still there, and the samples see it');
    const disk = fs.readFileSync(node.diskPath);
    assert.ok(disk.subarray(0, MiB).every((b) => b === 0));
    assert.ok(
      disk.subarray(SIZE - 66 * MiB).every((b) => b === 0),
      'where a config drive would be is zero',
    );
    assert.ok(disk.subarray(MiB, SIZE - 66 * MiB).equals(original.subarray(MiB, SIZE - 66 * MiB)), 'the middle is untouched');
  });

  test('erase full zeroes every byte with progress, and the verify reports clean', async () => {
    const node = lab.nodes[0]!;
    const before = cp.callbacks.length;
    next = { command: 'erase', args: { mode: 'full' } };
    const result = await cp.waitFor('result', 30000, (c) => cp.callbacks.indexOf(c) >= before);
    assert.equal(result.body.ok, true);
    assert.equal(result.body.bytes_done, SIZE);
    const [v] = result.body.verify as Record<string, unknown>[];
    assert.deepEqual(
      { ...v, path: undefined },
      {
        path: undefined,
        first_mib_zero: true,
        tail_zero: true,
        samples: 64,
        sample_size: 4096,
        samples_nonzero: 0,
        clean: true,
      },
    );
    const phases = cp.callbacks
      .slice(before)
      .filter((c) => c.event === 'progress')
      .map((c) => c.body.phase);
    assert.ok(phases.includes('verify'));
    assert.ok(
      fs.readFileSync(node.diskPath).every((b) => b === 0),
      'the whole disk is zero',
    );
  });

  test('export then exposes the disk over iSCSI with CHAP, and done ends it', async () => {
    const node = lab.nodes[0]!;
    next = { command: 'export' };
    const ready = await cp.waitFor('ready', 20000);
    assert.deepEqual(
      { address: ready.body.address, port: ready.body.port, iqn: ready.body.iqn },
      { address: '127.0.0.1', port: node.iscsiPort, iqn },
    );
    const ls = await runCommand({
      file: 'iscsi-ls',
      args: ['-s', `iscsi://eraser@127.0.0.1:${node.iscsiPort}`],
      secretEnv: { LIBISCSI_CHAP_PASSWORD: chapSecret },
      timeoutMs: 10000,
    });
    assert.match(ls.stdout, /Lun:1\s+Type:DIRECT_ACCESS/);
    next = { command: 'done' };
    await waitFor(async () => node.power() === 'off', 10000, 'power off');
    assert.equal(node.ramdiskExit(), 0);
  });
});
