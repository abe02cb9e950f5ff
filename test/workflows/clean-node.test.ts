// cleanNode and teardownNode with stub activities: the erase sequence, its record,
// and the undo list when the erase fails or does not verify.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CleanInput } from '#workflows/contracts/deploy';
import { fails } from './recording-activities';
import { lines, simulatedNode, startStubWorker, type RamdiskScript, type StubWorker } from './stub-worker';

const NODE = '11111111-2222-3333-4444-666666666666';
const OFF = ['setPower(off)', 'waitForPowerState(power off)', 'recordPowerState(power off)'];
const ON = ['setPower(on)', 'waitForPowerState(power on)', 'recordPowerState(power on)'];
const BOOT_RAMDISK = ['createDeployment', 'writeDeployBootConfig', ...OFF, 'setBootDevice(pxe)', ...ON];
const ERASE = [
  ...BOOT_RAMDISK,
  'setRamdiskCommand(erase)',
  'recordEvent(erase)',
  'setRamdiskCommand(done)',
  'waitDoneDelivered',
  'closeDeployment',
  ...OFF,
  'removeBootConfigs',
];

function eraser(verified: boolean, ok = true): RamdiskScript {
  return {
    onBoot: () => [{ event: 'disks', disks: [{ path: '/dev/sda', size_bytes: 1 << 30, model: 'QEMU', rotational: false }] }],
    onCommand: (command) =>
      command === 'erase'
        ? [
            {
              event: 'result',
              ok,
              error: ok ? undefined : 'blkdiscard failed',
              bytesDone: 1 << 20,
              verify: [{ path: '/dev/sda', clean: verified }],
            },
          ]
        : [],
  };
}

describe('cleanNode and teardownNode with stub activities', { concurrency: true }, () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  const input = (over: Partial<CleanInput> = {}): CleanInput => ({
    nodeUuid: NODE,
    actor: 'alice',
    requestId: 'req-1',
    fromState: 'manageable',
    viaState: 'cleaning',
    target: 'manageable',
    hardwareQueue: rig.taskQueue,
    callbackTimeoutSec: 60,
    eraseMode: 'metadata',
    ...over,
  });
  const run = (wf: string, id: string, i: CleanInput) =>
    rig.client.workflow.execute(wf, { taskQueue: rig.taskQueue, workflowId: id, args: [i] });
  const eraseRecord = (calls: { name: string; args: unknown[] }[]) =>
    calls.map((c) => c.args[0] as { eventType?: string; event?: string; severity?: string }).find((a) => a?.eventType === 'erase')!;

  test('clean (metadata): boot the ramdisk, erase, record, done, power off, boot configs gone → manageable', async () => {
    const node = simulatedNode(rig, { ramdisk: eraser(true) });
    await run('cleanNode', node.run.id, input());
    assert.deepEqual(node.run.unstubbed, []);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'step(deploy.erase_devices_metadata)',
      ...ERASE,
      'finishOperation(succeeded → manageable)',
    ]);
    const rec = eraseRecord(node.run.calls);
    assert.equal(rec.severity, 'INFO');
    assert.match(
      rec.event!,
      /^Erase record: \{"disks":\[\{"path":"\/dev\/sda","size_bytes":1073741824,"model":"QEMU","rotational":false\}\],"mode":"metadata","bytes":1048576,.*"verified":true\}$/,
    );
    const erase = node.run.calls.find((c) => c.name === 'setRamdiskCommand')!.args[0];
    assert.deepEqual(erase, { deploymentId: 'dep-1', command: 'erase', args: { mode: 'metadata' } });
    assert.equal(node.power(), 'off');
  });

  test('provide with erase mode none: no ramdisk at all → available', async () => {
    const node = simulatedNode(rig);
    await run('cleanNode', node.run.id, input({ eraseMode: 'none', target: 'available' }));
    assert.deepEqual(lines(node.run.calls), ['beginOperation', 'finishOperation(succeeded → available)']);
  });

  test('an erase that does not verify: ERROR record, undo newest first, clean failed', async () => {
    const node = simulatedNode(rig, { ramdisk: eraser(false) });
    await run('cleanNode', node.run.id, input({ eraseMode: 'full' }));
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'step(deploy.erase_devices)',
      ...BOOT_RAMDISK,
      'setRamdiskCommand(erase)',
      'recordEvent(erase)',
      ...OFF,
      'removeBootConfigs',
      'closeDeployment',
      'finishOperation(failed → clean failed)',
    ]);
    assert.equal(eraseRecord(node.run.calls).severity, 'ERROR');
    const f = node.run.calls.find((c) => c.name === 'finishOperation')!.args[0] as { error: string };
    assert.match(f.error, /^Cleaning of node .* failed: Erase verification found data left on the disk\.$/);
  });

  test('an erase the ramdisk reports failed: its words in last_error', async () => {
    const node = simulatedNode(rig, { ramdisk: eraser(false, false) });
    await run('cleanNode', node.run.id, input());
    const f = node.run.calls.find((c) => c.name === 'finishOperation')!.args[0] as { error: string; to: string };
    assert.equal(f.to, 'clean failed');
    assert.match(f.error, /failed: Erase failed: blkdiscard failed$/);
  });

  test('undeploy: power off, boot configs gone, cleaning, erase → available', async () => {
    const node = simulatedNode(rig, { ramdisk: eraser(true) });
    await run('teardownNode', node.run.id, input({ fromState: 'active', viaState: 'deleting', target: 'available' }));
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      ...OFF,
      'removeBootConfigs',
      'moveProvisionState(cleaning)',
      'step(deploy.erase_devices_metadata)',
      ...ERASE,
      'finishOperation(succeeded → available)',
    ]);
  });

  test('undeploy whose power off fails: error state, nothing else touched', async () => {
    const node = simulatedNode(rig, { overrides: { setPower: () => fails('BMC unreachable') } });
    await run('teardownNode', node.run.id, input({ fromState: 'active', viaState: 'deleting', target: 'available' }));
    assert.deepEqual(lines(node.run.calls), ['beginOperation', 'setPower(off)', 'finishOperation(failed → error)']);
  });
});
