// A BMC on a bad network, and a BMC that dies and comes back. The stack talks to a
// real ipmi_sim through test/support/udp-relay.ts, which drops 30% of the datagrams
// each way (seeded). Power actions through the REST API must all succeed, in a row,
// with the recorded power_state equal to the hardware's. Then the power sync: loss
// alone never puts the node in maintenance; a dead BMC does, after N failed reads,
// with an ERROR history event; when the BMC answers again (still through the lossy
// relay) the node leaves maintenance by itself with a second event. A node an operator
// put in maintenance meanwhile stays there: the sync lifts only its own maintenance.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, startStack, type TestStack } from '../support/stack';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';
import { waitFor } from '../support/procs';
import { powerSyncWorkflowId } from '#workflows/contracts/power';

const LOSS = 0.3;
const FAILURE_LIMIT = 2;

async function node(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

async function history(stack: TestStack, id: string): Promise<any[]> {
  return (await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body.history;
}

/** Enrolls a node whose BMC address is the relay's, and moves it to manageable (the sync skips enroll). */
async function enrollBehind(stack: TestStack, name: string, bmc: Bmc, relay: UdpRelay): Promise<string> {
  const r = await api(stack, 'POST', '/v1/nodes', {
    driver: 'ipmi',
    name,
    driver_info: { ipmi_address: relay.address, ipmi_port: relay.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
  });
  assert.equal(r.status, 201, r.text);
  await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/states/provision`, { target: 'manage' });
  await waitFor(async () => (await node(stack, r.body.uuid)).provision_state === 'manageable', 60_000, `${name} manageable`);
  return r.body.uuid;
}

describe('a BMC behind a network that drops 30% of packets', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let relay: UdpRelay;
  let id: string;
  before(async () => {
    stack = await startStack();
    bmc = await startBmc({ power: 0 });
    relay = await startUdpRelay({ targetAddress: bmc.address, targetPort: bmc.port, dropToTarget: LOSS, dropToClient: LOSS, seed: 7 });
    id = await enrollBehind(stack, 'lossy', bmc, relay);
  });
  after(async () => {
    await stack?.stop();
    await relay?.close();
    await bmc?.stop();
  });

  test('power on, reboot, off, reboot, off in a row: each succeeds and power_state matches the hardware', async () => {
    const expect = { 'power on': 1, 'power off': 0, rebooting: 1 } as const;
    for (const target of ['power on', 'rebooting', 'power off', 'rebooting', 'power off'] as const) {
      const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/power`, { target });
      assert.equal(r.status, 202, r.text);
      const n = await waitFor(
        async () => {
          const b = await node(stack, id);
          return b.target_power_state === null && b.reservation === null ? b : undefined;
        },
        180_000,
        `${target} to finish`,
      );
      assert.equal(n.last_error, null, `${target}: ${n.last_error}`);
      assert.equal(n.power_state, expect[target] ? 'power on' : 'power off', target);
      assert.equal(bmc.readPower(), expect[target], `the hardware after ${target}`);
    }
    const ops = await stack.db.operation.findMany({ where: { nodeUuid: id, kind: 'power' } });
    assert.equal(ops.length, 5);
    assert.ok(ops.every((o) => o.status === 'succeeded'));
    // The relay really dropped datagrams both ways.
    assert.ok(relay.stats.droppedToTarget > 0 && relay.stats.droppedToClient > 0, JSON.stringify(relay.stats));
  });

  test('the power sync reads through the loss; a dead BMC means maintenance, its return lifts it', async () => {
    await stack.startPowerSync({ intervalSec: 1, failureLimit: FAILURE_LIMIT });
    // Loss alone: several passes read the node and never count it as failed for long.
    bmc.writePower(1);
    await waitFor(async () => (await node(stack, id)).power_state === 'power on', 60_000, 'sync sees power on through the loss');
    const sync = stack.temporal.workflow.getHandle(powerSyncWorkflowId(stack.cfg.temporal.taskQueue));
    const passes = new Set<string>();
    let failedReads = 0;
    await waitFor(
      async () => {
        const last = await sync.query<{ passId: string; failed: number } | null>('lastPowerSyncPass');
        const b = await node(stack, id);
        assert.equal(b.maintenance, false, `30% loss alone put the node in maintenance: ${b.maintenance_reason}`);
        if (last && !passes.has(last.passId)) {
          passes.add(last.passId);
          failedReads += last.failed;
        }
        return passes.size >= 5 ? true : undefined;
      },
      150_000,
      '5 sync passes through the loss',
    );
    console.log(`lossy-bmc: 5 sync passes through ${LOSS * 100}% loss, ${failedReads} failed read(s), no maintenance`);
    let n = await node(stack, id);

    // Dead: every datagram dropped.
    relay.dead = true;
    n = await waitFor(
      async () => {
        const b = await node(stack, id);
        return b.maintenance ? b : undefined;
      },
      120_000,
      'maintenance after failed syncs',
    );
    assert.equal(n.fault, 'power failure');
    assert.equal(n.power_state, null, 'the power state is unknown while the BMC is dead');
    assert.match(n.maintenance_reason, new RegExp(`could not read the BMC of node ${id} \\(${FAILURE_LIMIT} consecutive failures\\)`));
    assert.equal(n.last_error, n.maintenance_reason);

    // Back, still through 30% loss.
    relay.dead = false;
    n = await waitFor(
      async () => {
        const b = await node(stack, id);
        return b.maintenance ? undefined : b;
      },
      120_000,
      'recovery',
    );
    assert.equal(n.fault, null);
    assert.equal(n.maintenance_reason, null);
    assert.equal(n.last_error, null);
    assert.equal(n.power_state, 'power on');

    const h = await history(stack, id);
    const down = h.filter((e) => e.event_type === 'power-sync' && /put in maintenance/.test(e.event));
    const up = h.filter((e) => e.event_type === 'power-sync' && /answers again: maintenance for power failure cleared/.test(e.event));
    assert.equal(down.length, 1, 'one maintenance event');
    assert.equal(up.length, 1, 'one recovery event');
    assert.equal(down[0].severity, 'ERROR');
    assert.equal(up[0].severity, 'INFO');
    assert.equal(down[0].user, 'ironflow:power-sync');
    assert.equal(up[0].user, 'ironflow:power-sync');
    assert.ok(h.indexOf(down[0]) < h.indexOf(up[0]), 'maintenance, then recovery');
    // The recovery pass also records the power state it found (unknown → power on).
    assert.ok(
      h.some(
        (e) => /Power state changed from unknown to power on \(found by power sync\)/.test(e.event) && e.request_id === up[0].request_id,
      ),
    );
  });

  test("an operator's maintenance is not lifted when the dead BMC comes back", async () => {
    relay.dead = true;
    await waitFor(async () => ((await node(stack, id)).fault === 'power failure' ? true : undefined), 120_000, 'power failure');
    const r = await api(stack, 'PUT', `/v1/nodes/${id}/maintenance`, { reason: 'replacing the BMC board' });
    assert.equal(r.status, 202, r.text);
    relay.dead = false;
    // Give the sync many passes to notice the BMC is back (it lifted its own maintenance within a few before).
    await new Promise((res) => setTimeout(res, 8000));
    const n = await node(stack, id);
    assert.equal(n.maintenance, true);
    assert.equal(n.maintenance_reason, 'replacing the BMC board');
    assert.equal(n.fault, null, 'the operator owns the maintenance now');
    const lifts = (await history(stack, id)).filter((e) => /answers again/.test(e.event));
    assert.equal(lifts.length, 1, 'no second recovery event: only the first (sync-owned) maintenance was lifted');
  });
});
