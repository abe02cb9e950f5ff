// changePowerState and setBootDevice with stub activities: what each target does,
// soft power off falling through to hard off, and how failures are recorded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { BootDeviceInput, PowerInput, PowerTarget } from '#workflows/contracts/power';
import { fails } from './recording-activities';
import { lines, simulatedNode, startStubWorker, type StubWorker } from './stub-worker';

const NODE = '11111111-2222-3333-4444-777777777777';
const who = { actor: 'alice', requestId: 'req-1' };

describe('power workflows with stub activities', { concurrency: true }, () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  const power = (id: string, target: PowerTarget, timeoutSec = 5) =>
    rig.client.workflow.execute('changePowerState', {
      taskQueue: rig.taskQueue,
      workflowId: id,
      args: [{ nodeUuid: NODE, target, timeoutSec, hardwareQueue: rig.taskQueue, ...who } satisfies PowerInput],
    });

  // One BMC activity per state (ask, read back); the last one also records the state.
  const cases: [PowerTarget, boolean, string[]][] = [
    ['power on', false, ['powerAndConfirm(on → power on, recorded)']],
    ['power off', false, ['powerAndConfirm(off → power off, recorded)']],
    ['rebooting', false, ['powerAndConfirm(off → power off)', 'powerAndConfirm(on → power on, recorded)']],
    ['soft power off', true, ['powerAndConfirm(soft → power off, recorded)']],
    ['soft power off', false, ['powerAndConfirm(soft → power off, recorded)', 'powerAndConfirm(off → power off, recorded)']],
    [
      'soft rebooting',
      false,
      ['powerAndConfirm(soft → power off)', 'powerAndConfirm(off → power off)', 'powerAndConfirm(on → power on, recorded)'],
    ],
  ];
  for (const [target, softOffWorks, want] of cases) {
    test(`${target}${target.startsWith('soft') ? (softOffWorks ? ' (the OS obeys)' : ' (the OS ignores ACPI: hard off)') : ''}`, async () => {
      const node = simulatedNode(rig, { softOffWorks });
      await power(node.run.id, target, 7);
      assert.deepEqual(node.run.unstubbed, []);
      assert.deepEqual(lines(node.run.calls), ['beginOperation', ...want, 'finishOperation(succeeded → )']);
      const begin = node.run.calls[0]!.args[0] as { targetPowerState: string };
      assert.equal(begin.targetPowerState, target === 'power off' || target === 'soft power off' ? 'power off' : 'power on');
      const soft = node.run.calls.find((c) => c.name === 'powerAndConfirm' && c.args[1] === 'soft');
      if (soft) assert.equal(soft.args[3], 7000, 'the soft off wait is timeoutSec');
      for (const c of node.run.calls.filter((x) => x.name === 'powerAndConfirm' && x.args[1] !== 'soft'))
        assert.equal(c.args[3], 60_000, 'a hard action waits 60 s');
      const recorded = node.run.calls.filter((c) => c.args[4] !== undefined);
      assert.deepEqual(recorded.at(-1)?.args[4], who, 'the last state is recorded with who asked');
    });
  }

  test('power on in one round trip: the history schedules one activity (the BMC); the bookkeeping is local', async () => {
    const node = simulatedNode(rig);
    await power(node.run.id, 'power on');
    const { events } = await rig.client.workflow.getHandle(node.run.id).fetchHistory();
    const scheduled = (events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.deepEqual(scheduled, ['powerAndConfirm']);
    const markers = (events ?? []).flatMap((e) => e.markerRecordedEventAttributes?.markerName ?? []);
    assert.deepEqual(markers.filter((m) => m === 'core_local_activity').length, 2, 'beginOperation and finishOperation');
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'powerAndConfirm(on → power on, recorded)',
      'finishOperation(succeeded → )',
    ]);
  });

  test('a BMC that fails: the failure is recorded (power fault, failed operation) and the workflow fails', async () => {
    const node = simulatedNode(rig, { overrides: { powerAndConfirm: () => fails('IPMI session refused') } });
    await assert.rejects(power(node.run.id, 'power on'), (e: unknown) => {
      assert.ok(e instanceof WorkflowFailedError);
      assert.ok(e.cause instanceof ApplicationFailure);
      assert.equal(e.cause.type, 'PowerActionFailed');
      return true;
    });
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'powerAndConfirm(on → power on, recorded)',
      'recordPowerFailure',
      'finishOperation(failed → )',
    ]);
    const msg = 'Failed to change power state of node 11111111-2222-3333-4444-777777777777 to "power on": IPMI session refused';
    assert.deepEqual(node.run.calls.find((c) => c.name === 'recordPowerFailure')!.args, [NODE, msg, who]);
    assert.equal((node.run.calls.at(-1)!.args[0] as { error: string }).error, msg);
  });

  test('a node that never reaches the state: PowerStateTimeout words in the failure', async () => {
    const node = simulatedNode(rig, { overrides: { powerAndConfirm: async () => false } });
    await assert.rejects(power(node.run.id, 'power off'));
    assert.match((node.run.calls.at(-1)!.args[0] as { error: string }).error, /did not report power off within 60 s/);
  });

  const boot = (id: string, device: BootDeviceInput['device']) =>
    rig.client.workflow.execute('setBootDevice', {
      taskQueue: rig.taskQueue,
      workflowId: id,
      args: [{ nodeUuid: NODE, device, persistent: true, hardwareQueue: rig.taskQueue, ...who } satisfies BootDeviceInput],
    });

  test('setBootDevice: set, read back, succeeded', async () => {
    const node = simulatedNode(rig);
    await boot(node.run.id, 'pxe');
    assert.deepEqual(lines(node.run.calls), ['beginOperation', 'setBootDevice(pxe)', 'assertBootDevice', 'finishOperation(succeeded → )']);
    assert.deepEqual(node.run.calls[1]!.args, [NODE, 'pxe', true]);
  });

  test('setBootDevice of a UEFI node passes its boot mode (the EFI flag) to the activity', async () => {
    const node = simulatedNode(rig);
    await rig.client.workflow.execute('setBootDevice', {
      taskQueue: rig.taskQueue,
      workflowId: node.run.id,
      args: [
        {
          nodeUuid: NODE,
          device: 'pxe',
          persistent: false,
          bootMode: 'uefi',
          hardwareQueue: rig.taskQueue,
          ...who,
        } satisfies BootDeviceInput,
      ],
    });
    assert.deepEqual(node.run.calls[1]!.args, [NODE, 'pxe', false, 'uefi']);
  });

  test('setBootDevice whose read-back differs: failed operation, BootDeviceFailed', async () => {
    const node = simulatedNode(rig, { overrides: { assertBootDevice: () => fails('the BMC reports disk') } });
    await assert.rejects(
      boot(node.run.id, 'pxe'),
      (e: unknown) => e instanceof WorkflowFailedError && (e.cause as ApplicationFailure).type === 'BootDeviceFailed',
    );
    assert.deepEqual(lines(node.run.calls), ['beginOperation', 'setBootDevice(pxe)', 'assertBootDevice', 'finishOperation(failed → )']);
    assert.match(
      (node.run.calls.at(-1)!.args[0] as { error: string }).error,
      /^Failed to set boot device of node .* to pxe: the BMC reports disk$/,
    );
  });
});
