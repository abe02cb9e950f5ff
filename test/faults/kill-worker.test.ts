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
import { repoRoot } from '../../activities/shared/repo-root';
import { api, startStack, type TestStack } from '../support/stack';
import { startProcess, waitFor, type Proc } from '../support/procs';
import { startLab, type Lab } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';

const MiB = 1024 * 1024;

describe('kill -9 the worker mid-write', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let worker: Proc | undefined;
  const image = crypto.randomBytes(384 * MiB);

  function startWorkerProcess(n: number): Proc {
    const d = stack.data;
    return startProcess(process.execPath, [path.join(repoRoot(), 'dist', 'apps', 'worker', 'src', 'main.js')], {
      logFile: path.join(work, `worker-${n}.log`),
      env: {
        ...process.env,
        DATABASE_URL: stack.database.url, TEMPORAL_ADDRESS: stack.cfg.temporal.address, IRONFLOW_TASK_QUEUE: stack.cfg.temporal.taskQueue,
        IRONFLOW_SECRET_KEY: stack.cfg.keys.primary.toString('hex'), IRONFLOW_DATA_DIR: work, IRONFLOW_POWER_SYNC_INTERVAL: '0',
        IRONFLOW_BOOT_ROOT: d.bootRoot, IRONFLOW_IMAGE_CACHE: d.imageCacheRoot, IRONFLOW_IMAGE_DIR: d.imageDir,
        IRONFLOW_DEPLOY_KERNEL: d.deployKernel, IRONFLOW_DEPLOY_RAMDISK: d.deployRamdisk, IRONFLOW_CALLBACK_URL: d.callbackBase,
        IRONFLOW_IMAGE_SERVER_PORT: '0', IRONFLOW_DHCP_HOSTS_DIR: d.dhcpHostsDir, IRONFLOW_LOG_LEVEL: 'warn',
      },
    });
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-'));
    images = await startImageServer();
    images.images.set('big.raw', { data: image });
    stack = await startStack({ worker: false, callbackTimeoutSec: 120 });
    lab = await startLab({
      nodes: 1, dir: path.join(work, 'lab'), tftpRoot: stack.data.bootRoot, diskSize: 512 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
    worker = startWorkerProcess(1);
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
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi', automated_clean: false,
      driver_info: { ipmi_address: n.bmc.address, ipmi_port: n.bmc.port, ipmi_username: n.bmc.username, ipmi_password: n.bmc.password },
      instance_info: { image_source: images.url('big.raw'), image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}` },
    });
    const id = r.body.uuid;
    await api(stack, 'POST', '/v1/ports', { address: n.mac, node_uuid: id });
    for (const [target, want] of [['manage', 'manageable'], ['provide', 'available']]) {
      await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
      await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state === want, 60_000, want);
    }
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    // Wait until the write has reported progress, then kill the worker without warning.
    const seen = await waitFor(async () => {
      const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
      return op.current_step === 'write the image over iSCSI' && op.bytes_done > 0 ? op : undefined;
    }, 180_000, 'the write to report progress');
    process.kill(worker!.pid, 'SIGKILL');
    await worker!.stop();
    const killedAt = seen.bytes_done as number;
    worker = startWorkerProcess(2);
    const done = await waitFor(async () => {
      const b = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
      if (b.provision_state === 'deploy failed') throw new Error(b.last_error);
      return b.provision_state === 'active' ? b : undefined;
    }, 300_000, 'active after the restart');
    assert.equal(done.last_error, null);
    const disk = Buffer.alloc(image.length);
    const fd = fs.openSync(n.diskPath, 'r');
    fs.readSync(fd, disk, 0, disk.length, 0);
    fs.closeSync(fd);
    assert.ok(disk.equals(image), 'the disk equals the image after the crash');
    // The retried write resumed: the activity's second attempt started from the first one's heartbeat.
    const op = await stack.db.operation.findFirstOrThrow({ where: { nodeUuid: id, kind: 'deploy' } });
    const hist = await stack.temporal.workflow.getHandle(op.workflowId, op.runId).fetchHistory();
    const events = hist.events ?? [];
    const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'writeImageToNode')!;
    const started = events.find((e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString())!;
    assert.ok((started.activityTaskStartedEventAttributes!.attempt ?? 1) >= 2, 'the write ran a second attempt on the new worker');
    const completed = events.find((e) => e.activityTaskCompletedEventAttributes?.scheduledEventId?.toString() === scheduled.eventId?.toString())!;
    const payload = completed.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!;
    const result = JSON.parse(Buffer.from(payload).toString('utf8')) as { resumedFrom: number; bytesWritten: number };
    assert.ok(killedAt > 0, `killed after ${killedAt} bytes were on the disk`);
    assert.ok(result.resumedFrom > 0 && result.resumedFrom <= killedAt + 256 * MiB, `resumed from ${result.resumedFrom}, not from 0 (killed at ${killedAt})`);
  });
});
