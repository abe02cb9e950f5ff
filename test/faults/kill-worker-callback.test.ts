// kill -9 the worker while the deploy waits for the ramdisk's `ready` callback, let
// the callback arrive while no worker runs at all, then start a new worker: the
// deploy completes, and the crash cost no power action: the node booted the ramdisk
// once and the installed image once, exactly as in a deploy without a crash.
// The fault point is exact: a gate between the ramdisk and the API answers 503
// (the ramdisk retries) until the worker is dead.
// A callback timer that fires late after such an outage (the grace before a PXE retry)
// is workflow logic: test/workflows/deploy-node.test.ts stops a stub worker past the
// deadline and restarts it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor, type Proc } from '../support/procs';
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
  startCallbackGate,
  startDeploy,
  startWorkerProcess,
  waitActive,
  waitForStep,
  type CallbackGate,
} from './fault-kit';

/** A stack, a callback gate, a one-node lab and a worker process, for the enclosing describe. */
function useRig(name: string, callbackTimeoutSec: number, image: Buffer) {
  const r = {} as { stack: TestStack; lab: Lab; images: ImageServer; gate: CallbackGate; work: string; worker?: Proc };
  before(async () => {
    r.work = fs.mkdtempSync(path.join(os.tmpdir(), `ironflow-${name}-`));
    r.images = await startImageServer();
    r.images.images.set('disk.raw', { data: image });
    r.stack = await startStack({ worker: false, callbackTimeoutSec });
    r.gate = await startCallbackGate(r.stack.url);
    r.lab = await startLab({
      nodes: 1,
      dir: path.join(r.work, 'lab'),
      tftpRoot: r.stack.data.bootRoot,
      diskSize: 48 * MiB,
      ramdiskEnv: fastRamdisk,
    });
    r.worker = startWorkerProcess(r.stack, { logFile: path.join(r.work, 'worker-1.log'), callbackBase: r.gate.url });
  });
  after(async () => {
    await r.worker?.stop();
    await r.lab?.stop();
    await r.stack?.stop();
    await r.gate?.stop();
    await r.images?.stop();
    if (r.work) fs.rmSync(r.work, { recursive: true, force: true });
  });
  return r;
}

describe('kill -9 the worker while it waits for the ramdisk callback', () => {
  const image = makeDemoImage({ sizeBytes: 32 * MiB, marker: 'callback crash' });
  const r = useRig('kill-cb', 120, image);

  test('the callback is not lost, the deploy completes, no extra power-on', async () => {
    const { stack, lab, images, gate, work } = r;
    const n = lab.nodes[0]!;
    const id = await enrollAvailable(stack, n, {
      image_source: images.url('disk.raw'),
      image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`,
    });
    gate.open = false;
    await startDeploy(stack, id);
    // The fault point: the workflow waits in `wait call-back` and the ramdisk is up, knocking with `ready`.
    await waitForStep(stack, id, 'wait for the ramdisk');
    await waitFor(async () => gate.seen.some((c) => c.event === 'ready' && c.status === 503), 60_000, 'the ramdisk knocking with ready');
    assert.equal((await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state, 'wait call-back');
    await killHard(r.worker!);
    // The callback reaches Ironflow with no worker alive: the API must keep it (a signal in Temporal).
    gate.open = true;
    await waitFor(
      async () => gate.seen.some((c) => c.event === 'ready' && c.status === 200),
      60_000,
      'ready accepted with no worker running',
    );
    assert.deepEqual(bootCounts(n), { ramdisk: 1, disk: 0, other: 0 }, 'one ramdisk boot before the crash');
    r.worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-2.log'), callbackBase: gate.url });
    const done = await waitActive(stack, id);
    assert.equal(done.last_error, null);
    assert.ok(readDisk(n, image.length).equals(image), 'the disk equals the image');

    // Power: one ramdisk boot, then one boot of the installed image, as in a normal deploy.
    assert.deepEqual(bootCounts(n), { ramdisk: 1, disk: 1, other: 0 }, `boots: ${JSON.stringify(n.bootHistory())}`);
    const last = n.readBoot()!;
    assert.equal(last.source, 'disk');
    assert.equal(last.marker, 'callback crash');
    assert.equal(n.power(), 'on');
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    assert.ok(!op.steps.some((s: { name: string }) => s.name === 'no callback: PXE boot again'), 'no PXE retry');
    // Every power action ran once: off/on for the ramdisk, off/on for the installed image, no retries.
    const power = activityRuns(await deployHistory(stack, id), 'setPower');
    assert.deepEqual(
      power.map((r) => [r.args[1], r.attempts]),
      [
        ['off', 1],
        ['on', 1],
        ['off', 1],
        ['on', 1],
      ],
    );
  });
});
