// kill -9 the worker in the middle of a power action, at its worst moment: the BMC has
// just executed `power on` but its answer never reaches the worker, which dies before
// it could read the state back or record it. The node stays locked (409) while no
// worker runs; a new worker's retry of the same activity asks again (a no-op at the
// hardware), reads the state back and records it once: power on, the operation
// succeeded, one history event, no second power action at the BMC.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { waitFor, type Proc } from '../support/procs';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';
import { activityRuns, killHard, startWorkerProcess } from './fault-kit';

describe('kill -9 the worker during a power action', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let relay: UdpRelay;
  let work: string;
  let worker: Proc | undefined;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-power-'));
    stack = await startStack({ worker: false });
    bmc = await startBmc({ user: 'admin', password: 'Kill9PowerPass', power: 0 });
    // Ironflow talks to the BMC through a relay, so the test sees (and can drop) every answer.
    relay = await startUdpRelay({ targetAddress: bmc.address, targetPort: bmc.port });
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-1.log') });
  });
  after(async () => {
    await worker?.stop();
    await relay?.close();
    await bmc?.stop();
    await stack?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('power on completes on a new worker: read back, recorded once, the lock held meanwhile', async () => {
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: 'kill-power',
      driver_info: { ipmi_address: relay.address, ipmi_port: relay.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
    });
    assert.equal(r.status, 201, r.text);
    const id = r.body.uuid as string;
    // The first answer the BMC sends with the machine on is its answer to `power on`: dropped,
    // and the worker killed before it could learn of it; the BMC stays mute until the new worker.
    let killed = false;
    const first = worker!;
    relay.dropToClientIf = () => {
      if (killed) return true;
      if (bmc.readPower() !== 1) return false;
      process.kill(first.pid, 'SIGKILL');
      killed = true;
      return true;
    };
    const put = await api(stack, 'PUT', `/v1/nodes/${id}/states/power`, { target: 'power on' });
    assert.equal(put.status, 202, put.text);
    await waitFor(async () => killed, 60_000, 'the power on to reach the BMC');
    await killHard(first);
    assert.equal(bmc.readPower(), 1, 'the BMC executed the power on');
    const during = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
    assert.equal(during.power_state, null, 'not recorded: nobody read it back');
    assert.equal(during.target_power_state, 'power on');
    assert.notEqual(during.reservation, null, 'the node stays locked');
    const again = await api(stack, 'PUT', `/v1/nodes/${id}/states/power`, { target: 'power off' });
    assert.equal(again.status, 409, again.text);

    relay.dropToClientIf = undefined;
    // The new worker retries the activity once its heartbeat timeout (30 s) has passed.
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-2.log') });
    const done = await waitFor(
      async () => {
        const n = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
        return n.target_power_state === null && n.reservation === null ? n : undefined;
      },
      180_000,
      'the power action to finish on the new worker',
    );
    assert.equal(done.power_state, 'power on');
    assert.equal(done.last_error, null);
    assert.equal(bmc.readPower(), 1);
    assert.deepEqual(bmc.readEvents(), [], 'no reset, cycle or soft off reached the BMC');

    const op = await stack.db.operation.findFirstOrThrow({ where: { nodeUuid: id, kind: 'power' } });
    assert.equal(op.status, 'succeeded');
    const changes = await stack.db.historyEvent.findMany({ where: { nodeUuid: id, eventType: 'power' }, orderBy: { id: 'asc' } });
    assert.deepEqual(
      changes.map((e) => e.event),
      ['power started', 'Power state changed from unknown to power on', 'power finished'],
      'started, the state recorded and finished once each',
    );
    const runs = activityRuns((await stack.temporal.workflow.getHandle(op.workflowId, op.runId).fetchHistory()).events ?? []);
    assert.deepEqual(
      runs.map((x) => [x.type, x.args[1], x.completed]),
      [['powerAndConfirm', 'on', true]],
      'one BMC activity, completed by its retry',
    );
    assert.equal(runs[0]!.attempts, 2, 'the killed attempt and the retry');
  });
});
