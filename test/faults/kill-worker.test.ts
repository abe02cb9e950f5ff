// Crash safety: kill -9 the worker process in the middle of a deploy's iSCSI write,
// start a new one, and the deploy completes with the disk verified; the write resumes
// from its last heartbeat instead of starting over. Real parts throughout: the worker
// is its own process (dist/apps/worker/src/main.js), the lab node PXE-boots the ramdisk.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type TestStack } from '../support/stack';
import type { Proc } from '../support/procs';
import { startLab, type Lab } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';
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
  waitForOperation,
} from './fault-kit';

describe('kill -9 the worker mid-write', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let worker: Proc | undefined;
  const image = crypto.randomBytes(384 * MiB);

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-'));
    images = await startImageServer();
    images.images.set('big.raw', { data: image });
    stack = await startStack({ worker: false, callbackTimeoutSec: 120 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 512 * MiB,
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

  test('the deploy completes on a new worker and the disk equals the image', async () => {
    const n = lab.nodes[0]!;
    const id = await enrollAvailable(stack, n, {
      image_source: images.url('big.raw'),
      image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`,
    });
    await startDeploy(stack, id);
    // Wait until the write has reported progress, then kill the worker without warning.
    const seen = await waitForOperation(
      stack,
      id,
      (op) => op.current_step === 'write the image over iSCSI' && (op.bytes_done ?? 0) > 0,
      'the write to report progress',
    );
    await killHard(worker!);
    const killedAt = seen.bytes_done!;
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-2.log') });
    const done = await waitActive(stack, id);
    assert.equal(done.last_error, null);
    assert.ok(readDisk(n, image.length).equals(image), 'the disk equals the image after the crash');
    // The retried write resumed: the activity's second attempt started from the first one's heartbeat.
    const [write] = activityRuns(await deployHistory(stack, id), 'writeImageToNode');
    assert.ok(write!.attempts >= 2, 'the write ran a second attempt on the new worker');
    const result = write!.result as { resumedFrom: number; bytesWritten: number };
    assert.ok(killedAt > 0, `killed after ${killedAt} bytes were on the disk`);
    assert.ok(
      result.resumedFrom > 0 && result.resumedFrom <= killedAt + 256 * MiB,
      `resumed from ${result.resumedFrom}, not from 0 (killed at ${killedAt})`,
    );
  });
});
