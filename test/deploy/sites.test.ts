// Sites: a node's conductor_group picks the task queue of its hardware-facing
// activities, so a worker pool next to each rack does the IPMI, boot-file, image
// and iSCSI work while workflows run centrally.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { startImageServer, type ImageServer } from '../lab/image-server';
import { nodeOperationId } from '#workflows/contracts/ids';

const MiB = 1024 * 1024;

/** Activity type → task queues it was scheduled on, across every run of the node's workflow id. */
async function scheduledQueues(stack: TestStack, nodeUuid: string, runId: string): Promise<Map<string, Set<string>>> {
  const h = await stack.temporal.workflow.getHandle(nodeOperationId(nodeUuid), runId).fetchHistory();
  const out = new Map<string, Set<string>>();
  for (const e of h.events ?? []) {
    const a = e.activityTaskScheduledEventAttributes;
    if (!a?.activityType?.name || !a.taskQueue?.name) continue;
    if (!out.has(a.activityType.name)) out.set(a.activityType.name, new Set());
    out.get(a.activityType.name)!.add(a.taskQueue.name);
  }
  return out;
}

describe('sites: per-rack worker pools', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let rack2: Awaited<ReturnType<TestStack['startSiteWorker']>>;
  const img = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'rack2' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-sites-'));
    stack = await startStack({ callbackTimeoutSec: 60 });
    rack2 = await stack.startSiteWorker('rack2');
    images = await startImageServer();
    images.images.set('img', { data: img });
    // The lab's servers boot from rack2's boot root: only rack2's worker can serve them.
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: rack2.data.bootRoot,
      diskSize: 16 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test("a rack2 node's deploy runs its hardware work on rack2's worker, its bookkeeping centrally", async () => {
    const n = lab.nodes[0]!;
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      conductor_group: 'rack2',
      automated_clean: false,
      driver_info: { ipmi_address: n.bmc.address, ipmi_port: n.bmc.port, ipmi_username: n.bmc.username, ipmi_password: n.bmc.password },
      instance_info: { image_source: images.url('img'), image_checksum: `sha256:${crypto.createHash('sha256').update(img).digest('hex')}` },
    });
    const id = r.body.uuid;
    await api(stack, 'POST', '/v1/ports', { address: n.mac, node_uuid: id });
    for (const [target, want] of [
      ['manage', 'manageable'],
      ['provide', 'available'],
      ['active', 'active'],
    ]) {
      await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
      await waitFor(
        async () => {
          const b = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
          if (b.provision_state.endsWith('failed')) throw new Error(b.last_error);
          return b.provision_state === want && b.target_provision_state === null;
        },
        120_000,
        want,
      );
    }
    const op = await stack.db.operation.findFirstOrThrow({ where: { nodeUuid: id, kind: 'deploy' } });
    const queues = await scheduledQueues(stack, id, op.runId);
    const central = stack.cfg.temporal.taskQueue;
    for (const hw of ['cacheImage', 'writeDeployBootConfig', 'setPower', 'setBootDevice', 'writeImageToNode', 'writeFinalBootConfig']) {
      assert.deepEqual([...(queues.get(hw) ?? [])], [rack2.taskQueue], `${hw} ran on rack2's queue`);
    }
    // Bookkeeping runs centrally: as an activity on the central queue, or (since
    // patched('deploy-local-bookkeeping')) as a local activity of the workflow, whose own queue is central.
    const h = await stack.temporal.workflow.getHandle(nodeOperationId(id), op.runId).fetchHistory();
    const started = h.events?.find((e) => e.workflowExecutionStartedEventAttributes)?.workflowExecutionStartedEventAttributes;
    assert.equal(started?.taskQueue?.name, central, 'the workflow runs on the central queue');
    assert.ok(
      (h.events ?? []).some((e) => e.markerRecordedEventAttributes),
      'local activities ran in the workflow',
    );
    for (const dbStep of ['beginOperation', 'createDeployment', 'finishOperation']) {
      for (const q of queues.get(dbStep) ?? []) assert.equal(q, central, `${dbStep} ran centrally`);
    }
    assert.equal(rack2.taskQueue, `${central}-rack2`);
    // The central worker's boot root never saw this node.
    assert.deepEqual(fs.readdirSync(path.join(stack.data.bootRoot, 'pxelinux.cfg')), []);
    assert.ok(
      fs.readdirSync(path.join(rack2.data.bootRoot, 'pxelinux.cfg')).length === 1,
      "rack2's boot root has the node's final boot config",
    );
  });
});
