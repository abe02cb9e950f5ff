// Callbacks survive a control plane that is down or answering 5xx: the
// ramdisk retries the same seq with backoff until a 2xx. A 4xx (other than
// 408/429) is final: the ramdisk stops and the node powers off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, waitFor } from '../support/procs';
import { startControlPlaneStub } from './control-plane-stub';
import { ipmitool } from './ipmitool';
import { startLab, type Lab } from './lab';
import { prepareTftpRoot, writeDeployConfig } from './pxe-fixture';

describe('lab node: callback retries', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({
      nodes: 2,
      dir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-retry-')), 'lab'),
      diskSize: 4 * 1024 * 1024,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '400', IRONFLOW_HTTP_TIMEOUT: '5' },
    });
    prepareTftpRoot(lab.tftpRoot);
  });
  after(async () => {
    await lab?.stop();
    if (lab) fs.rmSync(path.dirname(lab.dir), { recursive: true, force: true });
  });

  test('down, then 503, then up: the first callback arrives once, with the seq it was first sent with', async () => {
    const node = lab.nodes[0]!;
    const secret = crypto.randomBytes(16).toString('hex');
    const port = await freeTcpPort();
    writeDeployConfig(lab.tftpRoot, node.mac, {
      deployment: 'retry-1',
      secret,
      callback: `http://127.0.0.1:${port}/v1/ramdisk/retry-1`,
      mode: 'erase',
    });
    await ipmitool(node.bmc, 'chassis', 'bootdev', 'pxe');
    await ipmitool(node.bmc, 'power', 'on');
    // Nothing listens: the ramdisk keeps retrying.
    await waitFor(async () => (node.consoleLog().match(/callback disks .* no answer/g) ?? []).length >= 3, 10000, 'three failed attempts');
    const cp = await startControlPlaneStub({ secret, port });
    try {
      let refusals = 2;
      cp.decide = (cb) => (cb.event === 'disks' && refusals-- > 0 ? { status: 503 } : { command: 'wait' });
      const disks = await cp.waitFor('disks', 10000);
      const attempts = cp.requests.filter((r) => r.event === 'disks');
      assert.deepEqual(
        attempts.map((a) => a.status),
        [503, 503, 200],
      );
      assert.ok(
        attempts.every((a) => a.seq === disks.seq),
        'every attempt re-sent the same seq',
      );
      assert.equal(cp.callbacks.filter((c) => c.event === 'disks').length, 1);
      // Backoff: the gaps between attempts grow (100 ms, 200 ms, ...), capped.
      const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
      assert.ok(
        gaps.every((g) => g >= 90),
        `gaps ${gaps.join(', ')}`,
      );
      // It carries on polling with fresh seqs.
      const poll = await cp.waitFor('poll', 5000);
      assert.ok(poll.seq > disks.seq);
      cp.decide = () => ({ command: 'done' });
      await waitFor(async () => node.power() === 'off', 5000, 'power off');
      assert.equal(node.ramdiskExit(), 0);
    } finally {
      await cp.stop();
    }
  });

  test('a 404 (deployment gone) ends the ramdisk with code 2; a wrong secret (401) likewise', async () => {
    for (const [i, wrongSecret] of [
      [1, false],
      [1, true],
    ] as const) {
      const node = lab.nodes[i]!;
      const secret = crypto.randomBytes(16).toString('hex');
      const cp = await startControlPlaneStub({ secret });
      try {
        cp.decide = (cb) => (cb.event === 'poll' ? { status: 404 } : { command: 'wait' });
        writeDeployConfig(lab.tftpRoot, node.mac, {
          deployment: 'gone-1',
          secret: wrongSecret ? 'not-the-secret' : secret,
          callback: cp.url('gone-1'),
          mode: 'erase',
        });
        await ipmitool(node.bmc, 'chassis', 'bootdev', 'pxe');
        await ipmitool(node.bmc, 'power', 'on');
        await waitFor(async () => node.power() === 'off' && node.ramdiskExit() !== undefined, 10000, 'the ramdisk to give up');
        assert.equal(node.ramdiskExit(), 2);
        const statuses = cp.requests.map((r) => r.status);
        if (wrongSecret) assert.deepEqual(statuses, [401], 'one attempt, no retries after 401');
        else assert.deepEqual(statuses, [200, 404], 'disks accepted, then the poll refused once');
        fs.rmSync(path.join(node.nodeDir, 'ramdisk.exit'));
      } finally {
        await cp.stop();
      }
    }
  });
});
