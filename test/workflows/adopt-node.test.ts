// adoptNode with stub activities: exactly which activities an adoption calls (none that
// powers, sets a boot device, writes boot configs or touches the disk), and how a failed
// validation or a BMC that does not answer ends: adopt failed, power state forgotten.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { AdoptInput } from '#workflows/contracts/operations';
import { fails } from './recording-activities';
import { lines, simulatedNode, startStubWorker, type StubWorker } from './stub-worker';

const NODE = '11111111-2222-3333-4444-aaaaaaaaaaaa';
const who = { actor: 'alice', requestId: 'req-1' };

describe('adoptNode with stub activities', { concurrency: true }, () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  const adopt = (id: string, fromState: AdoptInput['fromState'] = 'manageable') =>
    rig.client.workflow.execute('adoptNode', {
      taskQueue: rig.taskQueue,
      workflowId: id,
      args: [
        { nodeUuid: NODE, fromState, viaState: 'adopting', target: 'active', hardwareQueue: rig.taskQueue, ...who } satisfies AdoptInput,
      ],
    });
  const ok = {
    validateAdoption: async () => undefined,
    getPowerState: async () => 'power on' as const,
    forgetPowerState: async () => undefined,
  };
  const finish = (calls: { name: string; args: unknown[] }[]) =>
    calls.at(-1)!.args[0] as { from: string; to: string; status: string; error?: string; kind: string };

  test('validate, read the power state, record it, active: nothing else is called', async () => {
    const node = simulatedNode(rig, { overrides: ok });
    await adopt(node.run.id);
    assert.deepEqual(node.run.unstubbed, []);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateAdoption',
      'getPowerState',
      'recordPowerState(power on)',
      'finishOperation(succeeded → active)',
    ]);
    assert.deepEqual(node.run.calls[3]!.args, [NODE, 'power on', who]);
    assert.deepEqual(finish(node.run.calls), { ...finish(node.run.calls), kind: 'adopt', from: 'adopting', to: 'active' });
    assert.equal(node.power(), 'on', 'the node was not powered');
  });

  test("a failed validation: adopt failed with Ironic's message, the BMC never asked", async () => {
    const node = simulatedNode(rig, {
      overrides: {
        ...ok,
        validateAdoption: () => fails("Some parameters were missing in node's instance_info. Missing are: ['image_source']"),
      },
    });
    await adopt(node.run.id, 'adopt failed');
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateAdoption',
      'forgetPowerState',
      'finishOperation(failed → adopt failed)',
    ]);
    assert.equal(
      finish(node.run.calls).error,
      `Error while attempting to adopt node ${NODE}: Some parameters were missing in node's instance_info. Missing are: ['image_source'].`,
    );
  });

  test('a BMC that does not answer is asked twice (bmcProbe), then adopt failed naming the reason', async () => {
    const node = simulatedNode(rig, {
      overrides: {
        ...ok,
        getPowerState: () => {
          throw ApplicationFailure.retryable(
            'BMC 10.0.0.9:623: no answer to Get Channel Auth Capabilities after 4 attempt(s) in 15000 ms.',
          );
        },
      },
    });
    await adopt(node.run.id);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateAdoption',
      'getPowerState',
      'getPowerState',
      'forgetPowerState',
      'finishOperation(failed → adopt failed)',
    ]);
    assert.equal(
      finish(node.run.calls).error,
      `Error while attempting to adopt node ${NODE}: BMC 10.0.0.9:623: no answer to Get Channel Auth Capabilities after 4 attempt(s) in 15000 ms.`,
    );
  });
});
