// inspectNode with stub activities: the inspection sequence (boot the ramdisk in inspect
// mode, inspect wait, the inventory by id, done, power off, boot configs gone, apply), and
// the undo list when the ramdisk reports an error or stays silent (the evidence in last_error).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeployInput } from '#workflows/contracts/deploy';
import { lines, simulatedNode, startStubWorker, type StubWorker } from './stub-worker';

const NODE = '11111111-2222-3333-4444-777777777777';
const OFF = ['setPower(off)', 'waitForPowerState(power off)', 'recordPowerState(power off)'];
const ON = ['setPower(on)', 'waitForPowerState(power on)', 'recordPowerState(power on)'];
const BOOT_RAMDISK = ['markInspectionStarted', 'createDeployment', 'writeDeployBootConfig', ...OFF, 'setBootDevice(pxe)', ...ON];
const UNDO = [...OFF, 'removeBootConfigs', 'closeDeployment'];

type Finish = { status: string; to: string; error?: string };

describe('inspectNode with stub activities', { concurrency: true }, () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  const input = (over: Partial<DeployInput> = {}): DeployInput => ({
    nodeUuid: NODE,
    actor: 'alice',
    requestId: 'req-1',
    fromState: 'manageable',
    viaState: 'inspecting',
    target: 'manageable',
    hardwareQueue: rig.taskQueue,
    callbackTimeoutSec: 60,
    ...over,
  });
  const run = (id: string, i: DeployInput) =>
    rig.client.workflow.execute('inspectNode', { taskQueue: rig.taskQueue, workflowId: id, args: [i] });
  const finish = (calls: { name: string; args: unknown[] }[]) => calls.filter((c) => c.name === 'finishOperation').pop()!.args[0] as Finish;

  test('inspect: ramdisk in inspect mode, inspect wait, the stored inventory applied by id after power off → manageable', async () => {
    const applied: unknown[] = [];
    const node = simulatedNode(rig, {
      ramdisk: { onBoot: () => [{ event: 'inventory', inventoryId: 'inv-1' }] },
      overrides: {
        markInspectionStarted: async () => undefined,
        applyInventory: async (i) => {
          applied.push(i);
          return { changes: ['cpus: unset -> 2'], portsCreated: [] };
        },
      },
    });
    await run(node.run.id, input());
    assert.deepEqual(node.run.unstubbed, []);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      ...BOOT_RAMDISK,
      'moveProvisionState(inspect wait)',
      'moveProvisionState(inspecting)',
      'setRamdiskCommand(done)',
      'waitDoneDelivered',
      'closeDeployment',
      ...OFF,
      'removeBootConfigs',
      'applyInventory',
      'finishOperation(succeeded → manageable)',
    ]);
    assert.deepEqual(applied, [{ nodeUuid: NODE, inventoryId: 'inv-1', actor: 'alice', requestId: 'req-1' }]);
    const boot = node.run.calls.find((c) => c.name === 'createDeployment')!.args[0] as { mode: string };
    assert.equal(boot.mode, 'inspect');
    assert.equal(node.power(), 'off');
  });

  test('a silent ramdisk: no PXE retry, the timeout and the evidence in last_error → inspect failed', async () => {
    const node = simulatedNode(rig, { ramdisk: {}, overrides: { markInspectionStarted: async () => undefined } });
    await run(node.run.id, input({ callbackTimeoutSec: 0.1 }));
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('moveProvisionState(inspect wait)')), [
      'moveProvisionState(inspect wait)',
      'explainRamdiskSilence',
      ...UNDO,
      'finishOperation(failed → inspect failed)',
    ]);
    assert.equal(node.ramdiskBoots(), 1);
    const f = finish(node.run.calls);
    assert.match(
      f.error!,
      /^Inspection of node .* failed: Timeout reached .*\(0\.1 s\)\. Evidence: \(stub\)\. First step that never happened: a DHCP request\.$/,
    );
  });

  test('the ramdisk reports an error: undo, inspect failed with its words; nothing applied', async () => {
    const node = simulatedNode(rig, {
      ramdisk: { onBoot: () => [{ event: 'error', error: 'collecting the inventory failed: no /proc' }] },
      overrides: { markInspectionStarted: async () => undefined },
    });
    await run(node.run.id, input());
    assert.ok(!node.run.calls.some((c) => c.name === 'applyInventory'));
    assert.match(finish(node.run.calls).error!, /The deploy ramdisk reported an error: collecting the inventory failed: no \/proc/);
    assert.equal(finish(node.run.calls).to, 'inspect failed');
  });
});
