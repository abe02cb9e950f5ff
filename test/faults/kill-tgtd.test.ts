// The node's iSCSI target dies in the middle of a deploy's write. Policy: the deploy
// ramdisk supervises its tgtd; when it dies, the ramdisk starts the same target again
// (same IQN, LUN and CHAP) and the worker's write logs in again and carries on, so
// the deploy ends `active` with the disk verified. A target that keeps dying (more
// than IRONFLOW_TGTD_RESTARTS, default 3, restarts) makes the ramdisk report `error`;
// the deploy stops waiting for the write at once and fails cleanly: `deploy failed`
// with the ramdisk's words in last_error, the node powered off, its boot configs and
// DHCP entry removed, the deployment's secret spent (a callback with it answers 410).
// Real parts: lab nodes PXE-boot the ramdisk script, which runs a real tgtd; tgtd is
// killed with SIGKILL by the PID the ramdisk records (<node>/ramdisk/tgtd.pid).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';
import { enrollAvailable, fastRamdisk, startDeploy } from './fault-kit';

const MiB = 1024 * 1024;

function tgtdPid(n: LabNode): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(n.nodeDir, 'ramdisk', 'tgtd.pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Bytes the sparse disk file has allocated: the write's progress as the disk sees it. */
function allocated(n: LabNode): number {
  return fs.statSync(n.diskPath).blocks * 512;
}

describe('kill tgtd mid-write', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  const image = crypto.randomBytes(256 * MiB);
  const digest = crypto.createHash('sha256').update(image).digest('hex');

  async function enroll(n: LabNode): Promise<string> {
    const id = await enrollAvailable(stack, n, { image_source: images.url('img.raw'), image_checksum: `sha256:${digest}` });
    await startDeploy(stack, id);
    return id;
  }

  /** Waits until the write has put at least `bytes` on the disk; returns tgtd's PID then. */
  async function midWrite(n: LabNode, bytes: number): Promise<number> {
    return waitFor(async () => (allocated(n) >= bytes ? tgtdPid(n) : undefined), 240_000, `${bytes} bytes on ${n.name}'s disk`);
  }

  async function finalState(id: string, want: string): Promise<any> {
    return waitFor(
      async () => {
        const b = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
        if (b.target_provision_state !== null) return undefined;
        if (b.provision_state !== want) throw new Error(`${b.provision_state}: ${b.last_error}`);
        return b;
      },
      300_000,
      want,
    );
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-tgtd-'));
    images = await startImageServer();
    images.images.set('img.raw', { data: image });
    stack = await startStack({ callbackTimeoutSec: 120 });
    lab = await startLab({
      nodes: 2,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 320 * MiB,
      ramdiskEnv: fastRamdisk,
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('tgtd killed once: the ramdisk restarts it, the write carries on, the disk equals the image', async () => {
    const n = lab.nodes[0]!;
    const id = await enroll(n);
    const pid = await midWrite(n, 32 * MiB);
    process.kill(pid, 'SIGKILL');
    const killedAt = allocated(n);
    const done = await finalState(id, 'active');
    assert.equal(done.last_error, null);
    assert.match(n.consoleLog(), /tgtd exited \(status \d+\): restarting the iSCSI target \(1 of 3\)/);
    const disk = Buffer.alloc(image.length);
    const fd = fs.openSync(n.diskPath, 'r');
    fs.readSync(fd, disk, 0, disk.length, 0);
    fs.closeSync(fd);
    assert.ok(disk.equals(image), 'the disk equals the image');
    assert.equal(n.readBoot()?.source, 'disk', 'the node booted from its disk');
    console.log(`kill-tgtd: killed tgtd ${pid} with ${killedAt} bytes on the disk; deploy active`);
  });

  test('tgtd that keeps dying: deploy failed with the reason, powered off, boot configs gone, secret spent', async () => {
    const n = lab.nodes[1]!;
    const id = await enroll(n);
    let pid = await midWrite(n, 32 * MiB);
    // The first death and three restarts, each killed as soon as its target is configured again.
    for (let kill = 1; kill <= 4; kill++) {
      process.kill(pid, 'SIGKILL');
      if (kill === 4) break;
      pid = await waitFor(
        async () => {
          const restarted = n.consoleLog().match(/iSCSI target \S+ restarted/g)?.length ?? 0;
          return restarted >= kill ? tgtdPid(n) : undefined;
        },
        60_000,
        `restart ${kill} of tgtd`,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; ramdisk: ${n.consoleLog().split('\n').slice(-15).join('\n')}`);
      });
    }
    const failed = await finalState(id, 'deploy failed');
    assert.match(
      failed.last_error,
      /^Deploy of node \S+ failed: The deploy ramdisk reported an error: the iSCSI target \(tgtd\) exited \(status \d+\) and was already restarted 3 time\(s\); giving up$/,
    );
    assert.equal(n.power(), 'off', 'the lab node is off, as its BMC reports');
    const macFile = `01-${n.mac.replace(/:/g, '-')}`;
    assert.ok(!fs.existsSync(path.join(stack.data.bootRoot, 'pxelinux.cfg', macFile)), 'its PXE config is removed');
    assert.ok(!fs.existsSync(path.join(stack.data.dhcpHostsDir, n.mac.replace(/:/g, '-'))), 'its DHCP host entry is removed');
    const dep = await stack.db.deployment.findFirstOrThrow({ where: { nodeUuid: id }, orderBy: { createdAt: 'desc' } });
    assert.equal(dep.status, 'closed');
    // The secret the node booted with no longer opens the callback.
    const append = fs.readFileSync(path.join(n.nodeDir, 'pxe', 'config'), 'utf8');
    const secret = /ironflow\.secret=(\S+)/.exec(append)?.[1];
    assert.ok(secret, 'the PXE config the node fetched carried its secret');
    const cb = await api(
      stack,
      'POST',
      `/v1/deployments/${dep.id}/callback`,
      { seq: Date.now() * 2, event: 'poll', deployment: dep.id, boot: '0000000000000000' },
      { 'X-Ironflow-Secret': secret! },
    );
    assert.equal(cb.status, 410, cb.text);
    // The failure came from the ramdisk's report, not from the write's retries running out.
    const op = await stack.db.operation.findFirstOrThrow({ where: { nodeUuid: id, kind: 'deploy' } });
    assert.equal(op.status, 'failed');
    const hist = (await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body.history;
    assert.ok(
      hist.some((h: any) => h.severity === 'ERROR' && /giving up/.test(h.event)),
      'the failure is in the history',
    );
  });
});
