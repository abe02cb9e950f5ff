// adopt (manageable | adopt failed → adopting → active): take over a node that already
// runs an operating system, as Ironic's adoption does, without a deploy. Validate what a
// later rebuild needs (instance_info.image_source), read the power state over the BMC
// (the BMC must answer: management and power are reachable) and record it, then mark the
// node active. Nothing is written to the node: no power action, no boot device, no PXE
// config, no disk access. Any failure ends in `adopt failed` with last_error; from there
// `adopt` again or `manage`. Runs with workflow id node-<uuid>, the node's lock.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '#activities';
import type { AdoptInput } from './contracts/operations';
import { presets } from './activity-options';
import { errorText } from './ramdisk-session';

const db = proxyActivities<Activities>(presets.db);

export async function adoptNode(input: AdoptInput): Promise<void> {
  const n = input.nodeUuid;
  const who = { actor: input.actor, requestId: input.requestId };
  const op = { ...input, kind: 'adopt' };
  const bmc = proxyActivities<Activities>({ ...presets.bmcProbe, taskQueue: input.hardwareQueue });
  await db.beginOperation(op);
  try {
    await db.validateAdoption(n);
    const power = await bmc.getPowerState(n);
    await db.recordPowerState(n, power, who);
  } catch (err) {
    const msg = `Error while attempting to adopt node ${n}: ${errorText(err).replace(/\.$/, '')}.`;
    await db.forgetPowerState(n);
    await db.finishOperation({ ...op, from: input.viaState, to: 'adopt failed', status: 'failed', error: msg });
    return;
  }
  await db.finishOperation({ ...op, from: input.viaState, to: 'active', status: 'succeeded' });
}
