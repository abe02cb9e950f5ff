// The full-stack part of the power-sync benchmark against real ipmi_sim BMCs, a real
// worker, API and Temporal server: its figures must describe what really happened.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBmcs, stopBmcs, type Bmc } from '#test/support/bmc-sim';
import type { TestStack } from '#test/support/stack';
import { Cleanups } from './cleanups';
import { measurePowerActions } from './power-actions';
import { listNodes, measureStackSync, startBenchStack } from './power-stack';

describe('power-sync bench: full stack', () => {
  const cleanups = new Cleanups();
  let bmcs: Bmc[];
  let stack: TestStack;
  before(async () => {
    bmcs = await startBmcs(3);
    cleanups.add('bmcs', () => stopBmcs(bmcs));
    bmcs.forEach((b, i) => b.writePower(i === 1 ? 1 : 0));
    stack = await startBenchStack(4, cleanups);
  });
  after(async () => {
    assert.deepEqual(await cleanups.runAll(), []);
  });

  let uuids: string[];
  test('two passes read every node; the flip is seen by the next pass and shown by /v1/nodes/detail', async () => {
    const r = await measureStackSync(stack, bmcs, {
      concurrency: 4,
      intervalSec: 1,
      batchSize: 2,
      jitterMs: 0,
      steadyPasses: 2,
      log: () => undefined,
    });
    uuids = r.uuids;
    assert.equal(r.nodes, 3);
    assert.ok(r.managePutMs > 0 && r.managePutMs <= r.manageMs);
    assert.equal(r.firstPass.read, 3);
    assert.equal(r.firstPass.changed, 3, 'power_state was unknown before the first pass');
    assert.equal(r.secondPass.read, 3);
    assert.equal(r.secondPass.changed, 0);
    assert.equal(r.steadyPassesMs.length, 2);
    assert.equal(r.steadyPassesMs[0], r.secondPass.durationMs);
    assert.notEqual(r.firstPass.passId, r.secondPass.passId);
    assert.ok(r.secondPass.startedAt >= r.firstPass.startedAt + r.firstPass.durationMs);
    assert.equal(r.flipPass.changed, 3);
    // Flipped right after a pass: visible no sooner than the next pass, i.e. most of an interval later.
    assert.ok(r.flipVisibleMs > 500 && r.flipVisibleMs < 30_000, `flip visible after ${r.flipVisibleMs} ms`);
    const shown = new Map((await listNodes(stack, '/v1/nodes/detail')).map((n) => [n.uuid, n.power_state]));
    bmcs.forEach((b, i) => assert.equal(shown.get(uuids[i]), b.readPower() === 1 ? 'power on' : 'power off'));
    assert.deepEqual(
      bmcs.map((b) => b.readPower()),
      [1, 0, 1],
      'each BMC flipped once',
    );
  });

  test('power actions are timed until the API shows them done, and really switch the BMC', async () => {
    const t = await measurePowerActions(stack, uuids[1], 2);
    assert.equal(t.on.length, 2);
    assert.equal(t.off.length, 2);
    for (const x of [...t.on, ...t.off]) assert.ok(x > 0 && x < 60_000, `${x} ms`);
    assert.equal(bmcs[1].readPower(), 0, 'the last action was power off');
    const n = (await listNodes(stack, '/v1/nodes/detail')).find((x) => x.uuid === uuids[1]);
    assert.equal(n?.power_state, 'power off');
    assert.equal(n?.target_power_state, null);
  });

  test('cleanup stops the API and the BMCs', async () => {
    const url = stack.url;
    assert.deepEqual(await cleanups.runAll(), []);
    await assert.rejects(fetch(`${url}/v1/nodes`));
    for (const b of bmcs) assert.throws(() => process.kill(b.pid(), 0), /ESRCH/);
  });
});
