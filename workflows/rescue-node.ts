// rescueNode and unrescueNode: Ironic's rescue mode with the deploy ramdisk (agent rescue).
// rescue: PXE config in rescue mode, power off → boot device pxe → power on, `rescue wait`
// until the ramdisk reports `rescue` (it fetched the password hash over its callback and runs
// an SSH server for the `rescue` user), then `rescue`; the ramdisk stays up. Failure, silence
// or abort run the undo list (power off, boot configs gone) and leave `rescue failed`.
// unrescue: power off, boot configs gone, boot from disk as deploy's last step does, the
// password hash out of instance_info, `active`; failure leaves `unrescue failed`. The disk is
// never touched, and neither workflow sees the password or its hash (the API sealed the hash;
// the ramdisk fetches it with its deployment secret).
import type { RescueInput } from './contracts/deploy';
import type { ProvisionState } from './contracts/states';
import { db, errorText, RamdiskSession } from './ramdisk-session';

export async function rescueNode(input: RescueInput): Promise<void> {
  const s = new RamdiskSession(input, 'rescue');
  const n = input.nodeUuid;
  const op = { ...input, kind: 'rescue' };
  let state: ProvisionState = input.viaState; // rescuing
  await db.beginOperation(op);
  try {
    if (input.rescueInterface !== 'fake') {
      // A node rescued again (rescue → rescue) leaves its running ramdisk: bootRamdisk powers it off first.
      await s.bootRamdisk('rescue');
      await db.moveProvisionState({ nodeUuid: n, from: state, to: 'rescue wait', actor: input.actor, requestId: input.requestId });
      state = 'rescue wait';
      await s.timeline.step('wait for the rescue ramdisk', () => s.waitFor(['rescue'], true));
      // The ramdisk stays up without calling back: its secret is spent.
      await db.closeDeployment(s.deploymentId!);
    }
    await db.finishOperation({ ...op, from: state, to: 'rescue', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Rescue of node ${n} failed: ${errorText(err)}`;
    const undoFailures = await s.compensate();
    const error = undoFailures.length ? `${msg} (clean-up also failed: ${undoFailures.join('; ')})` : msg;
    await db.finishOperation({ ...op, from: state, to: 'rescue failed', status: 'failed', error, timeline: s.timeline.view() });
  }
}

export async function unrescueNode(input: RescueInput): Promise<void> {
  const s = new RamdiskSession(input, 'unrescue');
  const n = input.nodeUuid;
  const op = { ...input, kind: 'unrescue' };
  await db.beginOperation(op);
  try {
    if (input.rescueInterface !== 'fake') {
      await s.timeline.step('power off the rescue ramdisk', () => s.powerOff());
      await s.timeline.step('remove boot configs', () => s.hw.removeBootConfigs(n));
      await s.timeline.step('boot from the installed image', async () => {
        await s.hw.writeFinalBootConfig(n);
        await s.setBootDevice('disk', true);
        await s.powerOn();
      });
    }
    await db.clearRescuePassword({ nodeUuid: n, actor: input.actor, requestId: input.requestId });
    await db.finishOperation({ ...op, from: input.viaState, to: 'active', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const error = `Unrescue of node ${n} failed: ${errorText(err)}`;
    await db.finishOperation({ ...op, from: input.viaState, to: 'unrescue failed', status: 'failed', error, timeline: s.timeline.view() });
  }
}
