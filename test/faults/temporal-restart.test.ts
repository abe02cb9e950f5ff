// Stop the Temporal server in the middle of a deploy and start it again on the same
// port and database file: the API and the worker (the same processes, not restarted)
// reconnect by themselves and the deploy completes. The outage hits while the
// workflow waits for the ramdisk: the ramdisk's `ready` arrives during it and the
// API answers 503 (the ramdisk retries) until Temporal is back. This test runs its
// own Temporal dev server (persistent --db-filename); the shared one cannot stop.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type TestStack } from '../support/stack';
import { waitFor, type Proc } from '../support/procs';
import { startTemporal } from '../support/temporal';
import { startLab, type Lab } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';
import { makeDemoImage } from '../lab/demo-image';
import {
  activityRuns,
  bootCounts,
  deployHistory,
  enrollAvailable,
  fastRamdisk,
  MiB,
  readDisk,
  startCallbackGate,
  startDeploy,
  startWorkerProcess,
  waitActive,
  waitForStep,
  type CallbackGate,
} from './fault-kit';

const OUTAGE_MS = Number(process.env.IRONFLOW_TEST_OUTAGE_MS ?? 15_000);

describe('Temporal server restart mid-deploy', () => {
  let temporal: Awaited<ReturnType<typeof startTemporal>> | undefined;
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let gate: CallbackGate;
  let work: string;
  let worker: Proc | undefined;
  let dbFile: string;
  const image = makeDemoImage({ sizeBytes: 32 * MiB, marker: 'temporal restart' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-temporal-restart-'));
    dbFile = path.join(work, 'temporal.db');
    temporal = await startTemporal({ dbFile, logFile: path.join(work, 'temporal-1.log') });
    images = await startImageServer();
    images.images.set('disk.raw', { data: image });
    stack = await startStack({ worker: false, callbackTimeoutSec: 120, temporal });
    gate = await startCallbackGate(stack.url);
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 48 * MiB,
      ramdiskEnv: fastRamdisk,
    });
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker.log'), callbackBase: gate.url });
  });
  after(async () => {
    await worker?.stop();
    await lab?.stop();
    await stack?.stop();
    await gate?.stop();
    await images?.stop();
    await temporal?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('the deploy completes after the restart, with the same API and worker processes', async () => {
    const n = lab.nodes[0]!;
    const id = await enrollAvailable(stack, n, {
      image_source: images.url('disk.raw'),
      image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`,
    });
    gate.open = false;
    await startDeploy(stack, id);
    await waitForStep(stack, id, 'wait for the ramdisk');
    await waitFor(async () => gate.seen.some((c) => c.event === 'ready'), 60_000, 'the ramdisk knocking with ready');

    // The outage: Temporal stops; the ramdisk's `ready` now reaches the API, which cannot signal.
    const port = temporal!.port;
    await temporal!.stop();
    temporal = undefined;
    gate.open = true;
    await waitFor(
      async () => gate.seen.some((c) => c.event === 'ready' && c.forwarded && c.status === 503),
      60_000,
      'the API answering 503 during the outage',
    );
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    assert.equal(worker!.child.exitCode, null, 'the worker survived the outage');
    assert.ok(!gate.seen.some((c) => c.event === 'ready' && c.status === 200), 'no ready was accepted while Temporal was down');

    temporal = await startTemporal({ dbFile, port, logFile: path.join(work, 'temporal-2.log') });
    const back = Date.now();
    await waitFor(async () => gate.seen.some((c) => c.event === 'ready' && c.status === 200), 120_000, 'ready accepted after the restart');
    console.log(`# Temporal back → ready accepted: ${Date.now() - back} ms`);
    const done = await waitActive(stack, id);
    console.log(`# Temporal back → active: ${Date.now() - back} ms`);
    assert.equal(done.last_error, null);
    assert.ok(readDisk(n, image.length).equals(image), 'the disk equals the image');
    assert.equal(worker!.child.exitCode, null, 'the same worker process finished the deploy');
    assert.ok(
      gate.seen.some((c) => c.event === 'ready' && c.status === 200),
      'ready accepted once Temporal was back',
    );
    assert.deepEqual(bootCounts(n), { ramdisk: 1, disk: 1, other: 0 }, 'one ramdisk boot, one boot of the image');
    const power = activityRuns(await deployHistory(stack, id), 'setPower');
    assert.deepEqual(
      power.map((r) => r.args[1]),
      ['off', 'on', 'off', 'on'],
    );
  });
});
