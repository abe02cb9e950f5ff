// Short power and boot-device operations, each holding the node's lock (node-<uuid>).
// Success is reported only after the BMC reads back the new state.
import { ApplicationFailure, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '#activities';
import { presets } from './activity-options';
import {
  BOOT_MODE_PATCH,
  POWER_ONE_TRIP_PATCH,
  resultingPowerState,
  type BootDeviceInput,
  type NmiInput,
  type PowerInput,
  type PowerState,
} from './contracts/power';
import type { BootDeviceSetting } from '#activities/ipmi/driver';

const db = proxyActivities<Activities>(presets.db);
/** The operation's bookkeeping rows, run by the workflow's own worker inside its workflow task. */
const book = proxyLocalActivities<Activities>(presets.dbLocal);

/** BMC activities on the node's site queue (undefined: the workflow's own queue). */
function site(taskQueue: string | undefined) {
  return {
    bmc: proxyActivities<Activities>({ ...presets.bmcCall, taskQueue }),
    waits: proxyActivities<Activities>({ ...presets.bmcWait, taskQueue }),
  };
}

function messageOf(err: unknown): string {
  const e = err as Error & { cause?: Error };
  return e?.cause?.message ?? e?.message ?? String(err);
}

type Site = ReturnType<typeof site>;

async function hard({ bmc, waits }: Site, nodeUuid: string, want: 'power on' | 'power off'): Promise<void> {
  await bmc.setPower(nodeUuid, want === 'power on' ? 'on' : 'off');
  if (!(await waits.waitForPowerState(nodeUuid, want, 60_000))) {
    throw ApplicationFailure.nonRetryable(`The BMC of node ${nodeUuid} did not report ${want} within 60 s.`, 'PowerStateTimeout');
  }
}

async function softOff(s: Site, nodeUuid: string, timeoutSec: number): Promise<void> {
  await s.bmc.setPower(nodeUuid, 'soft');
  if (await s.waits.waitForPowerState(nodeUuid, 'power off', timeoutSec * 1000)) return;
  await hard(s, nodeUuid, 'power off'); // the OS ignored the ACPI request: fall through to hard off
}

interface Who {
  actor: string;
  requestId: string;
}

/**
 * One BMC activity per power state: ask, read back until it reports `want`. With `recordAs`
 * (the last state of the action) the same activity records it on the node.
 */
async function confirm({ waits }: Site, nodeUuid: string, want: PowerState, recordAs?: Who): Promise<void> {
  const action = want === 'power on' ? 'on' : 'off';
  if (!(await waits.powerAndConfirm(nodeUuid, action, want, 60_000, recordAs))) {
    throw ApplicationFailure.nonRetryable(`The BMC of node ${nodeUuid} did not report ${want} within 60 s.`, 'PowerStateTimeout');
  }
}

async function confirmSoftOff(s: Site, nodeUuid: string, timeoutSec: number, recordAs?: Who): Promise<void> {
  if (await s.waits.powerAndConfirm(nodeUuid, 'soft', 'power off', timeoutSec * 1000, recordAs)) return;
  await confirm(s, nodeUuid, 'power off', recordAs); // the OS ignored the ACPI request: fall through to hard off
}

/**
 * A power action in one round trip: the bookkeeping runs as local activities (no task through
 * Temporal's queues), and one BMC activity per state asks, reads back and, for the last state,
 * records it: the client reads the new power_state as soon as the BMC confirmed it.
 */
async function changePowerOneTrip(input: PowerInput): Promise<void> {
  const who = { actor: input.actor, requestId: input.requestId };
  const op = { nodeUuid: input.nodeUuid, kind: 'power', ...who, fromState: '' as const, viaState: '' as const, target: '' as const };
  await book.beginOperation({ ...op, targetPowerState: resultingPowerState(input.target) });
  const s = site(input.hardwareQueue);
  try {
    switch (input.target) {
      case 'power on':
      case 'power off':
        await confirm(s, input.nodeUuid, input.target, who);
        break;
      case 'rebooting':
        await confirm(s, input.nodeUuid, 'power off');
        await confirm(s, input.nodeUuid, 'power on', who);
        break;
      case 'soft power off':
        await confirmSoftOff(s, input.nodeUuid, input.timeoutSec, who);
        break;
      case 'soft rebooting':
        await confirmSoftOff(s, input.nodeUuid, input.timeoutSec);
        await confirm(s, input.nodeUuid, 'power on', who);
        break;
    }
    await book.finishOperation({ ...op, from: '', to: '', status: 'succeeded' });
  } catch (err) {
    const msg = `Failed to change power state of node ${input.nodeUuid} to "${input.target}": ${messageOf(err)}`;
    await book.recordPowerFailure(input.nodeUuid, msg, who);
    await book.finishOperation({ ...op, from: '', to: '', status: 'failed', error: msg });
    throw ApplicationFailure.nonRetryable(msg, 'PowerActionFailed');
  }
}

export async function changePowerState(input: PowerInput): Promise<void> {
  // Runs started before the one-round-trip shape replay their five activities in a row.
  if (patched(POWER_ONE_TRIP_PATCH)) return changePowerOneTrip(input);
  return changePowerFiveSteps(input);
}

/** The shape before POWER_ONE_TRIP_PATCH: begin, set, wait, record, finish, each an activity. */
async function changePowerFiveSteps(input: PowerInput): Promise<void> {
  const who = { actor: input.actor, requestId: input.requestId };
  const op = { nodeUuid: input.nodeUuid, kind: 'power', ...who, fromState: '' as const, viaState: '' as const, target: '' as const };
  await db.beginOperation({ ...op, targetPowerState: resultingPowerState(input.target) });
  const s = site(input.hardwareQueue);
  try {
    switch (input.target) {
      case 'power on':
      case 'power off':
        await hard(s, input.nodeUuid, input.target);
        break;
      case 'rebooting':
        await hard(s, input.nodeUuid, 'power off');
        await hard(s, input.nodeUuid, 'power on');
        break;
      case 'soft power off':
        await softOff(s, input.nodeUuid, input.timeoutSec);
        break;
      case 'soft rebooting':
        await softOff(s, input.nodeUuid, input.timeoutSec);
        await hard(s, input.nodeUuid, 'power on');
        break;
    }
    await db.recordPowerState(input.nodeUuid, resultingPowerState(input.target), who);
    await db.finishOperation({ ...op, from: '', to: '', status: 'succeeded' });
  } catch (err) {
    const msg = `Failed to change power state of node ${input.nodeUuid} to "${input.target}": ${messageOf(err)}`;
    await db.recordPowerFailure(input.nodeUuid, msg, who);
    await db.finishOperation({ ...op, from: '', to: '', status: 'failed', error: msg });
    throw ApplicationFailure.nonRetryable(msg, 'PowerActionFailed');
  }
}

export async function setBootDevice(input: BootDeviceInput): Promise<void> {
  const who = { actor: input.actor, requestId: input.requestId };
  const op = { nodeUuid: input.nodeUuid, kind: 'boot-device', ...who, fromState: '' as const, viaState: '' as const, target: '' as const };
  await db.beginOperation(op);
  const { bmc } = site(input.hardwareQueue);
  try {
    // Runs started before boot modes send none (a BIOS request), as they did.
    const mode = patched(BOOT_MODE_PATCH) ? input.bootMode : undefined;
    await (mode
      ? bmc.setBootDevice(input.nodeUuid, input.device, input.persistent, mode)
      : bmc.setBootDevice(input.nodeUuid, input.device, input.persistent));
    await bmc.assertBootDevice(input.nodeUuid, input.device);
    await db.finishOperation({ ...op, from: '', to: '', status: 'succeeded' });
  } catch (err) {
    const msg = `Failed to set boot device of node ${input.nodeUuid} to ${input.device}: ${messageOf(err)}`;
    await db.finishOperation({ ...op, from: '', to: '', status: 'failed', error: msg });
    throw ApplicationFailure.nonRetryable(msg, 'BootDeviceFailed');
  }
}

/** inject_nmi: holds the node's lock like a power action; the history records it (or why the BMC refused). */
export async function injectNmi(input: NmiInput): Promise<void> {
  const who = { actor: input.actor, requestId: input.requestId };
  const op = { nodeUuid: input.nodeUuid, kind: 'inject_nmi', ...who, fromState: '' as const, viaState: '' as const, target: '' as const };
  await db.beginOperation(op);
  try {
    await site(input.hardwareQueue).bmc.injectNmi(input.nodeUuid);
    await db.finishOperation({ ...op, from: '', to: '', status: 'succeeded' });
  } catch (err) {
    const msg = `Failed to inject NMI to node ${input.nodeUuid}: ${messageOf(err)}`;
    await db.finishOperation({ ...op, from: '', to: '', status: 'failed', error: msg });
    throw ApplicationFailure.nonRetryable(msg, 'InjectNmiFailed');
  }
}

/** Reading the boot device also takes the node's lock, as Ironic does. */
export async function getBootDevice(input: { nodeUuid: string; hardwareQueue?: string }): Promise<BootDeviceSetting> {
  return site(input.hardwareQueue).bmc.getBootDevice(input.nodeUuid);
}
