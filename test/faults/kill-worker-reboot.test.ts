// kill -9 the worker during the deploy's last step (final boot config, boot device
// disk, power off, power on), at its worst moment: the BMC has just executed the
// final `power on` but its answer never reaches the worker, which dies. A new worker
// finishes the deploy: `active`, the disk verified, the node running the image.
//
// "No side effect twice that should not" here: the retried step repeats only the
// call whose outcome was lost, and it must be harmless to repeat. Writing the same
// boot config (an atomic rename) or setting the boot device again changes nothing;
// `power on` on a node that is already on is a no-op at the hardware (IPMI chassis
// control). What must not happen twice is a *boot*: no second power cycle of the
// installed system (off+on or a reset would boot it again) and no second ramdisk
// boot (restarting the deploy from its PXE step). So we assert: one ramdisk boot,
// one disk boot, and at most one power action more than a normal deploy (the
// repeated `power on`), in the workflow's history.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor, type Proc } from '../support/procs';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';
import { startLab, type Lab } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';
import { makeDemoImage } from '../lab/demo-image';
import {
  activityRuns,
  bootCounts,
  deployHistory,
  enrollAvailable,
  fastRamdisk,
  killHard,
  MiB,
  readDisk,
  startDeploy,
  startWorkerProcess,
  waitActive,
} from './fault-kit';

describe('kill -9 the worker during the final reboot', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let relay: UdpRelay;
  let work: string;
  let worker: Proc | undefined;
  const image = makeDemoImage({ sizeBytes: 32 * MiB, marker: 'reboot crash' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-reboot-'));
    images = await startImageServer();
    images.images.set('disk.raw', { data: image });
    stack = await startStack({ worker: false, callbackTimeoutSec: 120 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 48 * MiB,
      ramdiskEnv: fastRamdisk,
    });
    // Ironflow talks to the node's BMC through a relay, so the test sees (and can drop) every answer.
    relay = await startUdpRelay({ targetAddress: lab.nodes[0]!.bmc.address, targetPort: lab.nodes[0]!.bmc.port });
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-1.log') });
  });
  after(async () => {
    await worker?.stop();
    await lab?.stop();
    await relay?.close();
    await stack?.stop();
    await images?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('active on a new worker, booted from disk once, at most one extra power action', async () => {
    const n = lab.nodes[0]!;
    const id = await enrollAvailable(
      stack,
      n,
      { image_source: images.url('disk.raw'), image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}` },
      relay,
    );
    // The fault point, decided per BMC answer: once the ramdisk has booted (the node is on), the
    // first answer seen with the node off marks the final power off; the next answer seen with the
    // node on again is the BMC confirming the final power on. That answer is dropped and the worker
    // killed before it could learn of it; the BMC stays mute until the new worker starts.
    let armed = false;
    let sawOff = false;
    let killedAt: { boots: ReturnType<typeof bootCounts> } | undefined;
    const first = worker!;
    relay.dropToClientIf = () => {
      if (killedAt) return true;
      if (!armed) return false;
      if (n.power() === 'off') sawOff = true;
      else if (sawOff) {
        process.kill(first.pid, 'SIGKILL');
        killedAt = { boots: bootCounts(n) };
        return true;
      }
      return false;
    };
    await startDeploy(stack, id);
    await waitFor(async () => bootCounts(n).ramdisk === 1 && n.power() === 'on', 120_000, 'the ramdisk booted');
    armed = true;
    await waitFor(async () => killedAt, 180_000, 'the final power on');
    await killHard(first);
    assert.equal(n.power(), 'on', 'the BMC executed the final power on');
    assert.equal((await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state, 'deploying');
    relay.dropToClientIf = undefined;
    // The new worker retries the lost call once its attempt times out (60 s for a BMC call).
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-2.log') });
    const done = await waitActive(stack, id);
    assert.equal(done.last_error, null);
    assert.ok(readDisk(n, image.length).equals(image), 'the disk equals the image');

    // The node ends booted from disk, having booted the installed image exactly once.
    assert.deepEqual(bootCounts(n), { ramdisk: 1, disk: 1, other: 0 }, `boots: ${JSON.stringify(n.bootHistory())}`);
    const last = n.readBoot()!;
    assert.equal(last.source, 'disk');
    assert.equal(last.bootable, true);
    assert.equal(last.marker, 'reboot crash');
    assert.equal(n.power(), 'on');
    assert.equal(fs.readFileSync(path.join(n.nodeDir, 'boot'), 'utf8').trim(), 'default', 'boot device: disk');
    // Power actions: a normal deploy has off, on (ramdisk), off, on (installed image); the crash
    // may add one repeat of the call whose answer was lost, and it must be the final `power on`.
    const power = activityRuns(await deployHistory(stack, id), 'setPower');
    assert.deepEqual(
      power.map((r) => r.args[1]),
      ['off', 'on', 'off', 'on'],
      'no extra power action was scheduled',
    );
    const extra = power.reduce((s, r) => s + r.attempts - 1, 0);
    assert.ok(extra <= 1, `at most one repeated power action (got ${extra})`);
    assert.deepEqual(
      power.slice(0, 3).map((r) => r.attempts),
      [1, 1, 1],
      'only the final power on may repeat',
    );
    console.log(`# final power on: ${power[3]!.attempts} attempt(s); boots when killed: ${JSON.stringify(killedAt!.boots)}`);
  });
});
