// inspectNode (`inspect`: manageable or inspect failed → inspecting → inspect wait →
// inspecting → manageable), Ironic's agent inspection: PXE-boot the ramdisk in inspect
// mode, wait for its `inventory` callback (the API stores the inventory; only its id
// reaches the workflow), tell the ramdisk done, power off, remove the boot configs, then
// apply the inventory (properties, new ports, plugin_data, a history diff). Any failure,
// an abort in inspect wait or the inspect timeout runs the undo list and leaves the
// node in `inspect failed` with last_error.
import { ApplicationFailure } from '@temporalio/workflow';
import type { DeployInput } from './contracts/deploy';
import type { ProvisionState } from './contracts/states';
import { db, errorText, RamdiskSession } from './ramdisk-session';

export async function inspectNode(input: DeployInput): Promise<void> {
  const s = new RamdiskSession(input, 'inspect');
  const n = input.nodeUuid;
  const who = { actor: input.actor, requestId: input.requestId };
  const op = { ...input, kind: 'inspect' };
  let state: ProvisionState = input.viaState;
  const move = async (to: ProvisionState) => {
    await db.moveProvisionState({ nodeUuid: n, from: state, to, ...who });
    state = to;
  };
  await db.beginOperation(op);
  try {
    await db.markInspectionStarted(n);
    await s.bootRamdisk('inspect');
    await move('inspect wait');
    // No second PXE attempt: the inspect timeout is the whole wait, and its evidence says what never happened.
    const report = await s.timeline.step('wait for the inventory', () => s.waitFor(['inventory'], false));
    await move('inspecting');
    const inventoryId = report.inventoryId;
    if (!inventoryId) throw ApplicationFailure.nonRetryable('The inventory callback carried no stored inventory.', 'InventoryMissing');
    await s.sayDone();
    await db.closeDeployment(s.deploymentId!);
    await s.timeline.step('power off', () => s.powerOff());
    await s.timeline.step('remove boot configs', () => s.hw.removeBootConfigs(n));
    await s.timeline.step('apply the inventory', () => db.applyInventory({ nodeUuid: n, inventoryId, ...who }));
    await db.finishOperation({ ...op, from: state, to: 'manageable', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Inspection of node ${n} failed: ${errorText(err)}`;
    const undoFailures = await s.compensate();
    const error = undoFailures.length ? `${msg} (clean-up also failed: ${undoFailures.join('; ')})` : msg;
    await db.finishOperation({ ...op, from: state, to: 'inspect failed', status: 'failed', error, timeline: s.timeline.view() });
  }
}
