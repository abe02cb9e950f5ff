// teardownNode (undeploy) and cleanNode (automated cleaning after provide/undeploy,
// or manual `clean`): power off, boot configs gone, then secure erase through the
// deploy ramdisk in erase mode, with a verify pass and an erase record in the history.
import { ApplicationFailure } from '@temporalio/workflow';
import type { CleanInput, EraseMode } from './contracts/deploy';
import { db, errorText, RamdiskSession } from './ramdisk-session';

async function erase(s: RamdiskSession, mode: EraseMode): Promise<void> {
  const n = s.input.nodeUuid;
  await s.bootRamdisk('erase');
  const disks = await s.timeline.step('wait for the ramdisk', () => s.waitFor(['disks'], true));
  await db.setRamdiskCommand({ deploymentId: s.deploymentId!, command: 'erase', args: { mode } });
  const started = Date.now();
  const result = await s.timeline.step(`erase (${mode})`, () => s.waitFor(['result'], false));
  // One verify object per disk: ends zero (and, after a full erase, no non-zero sample).
  const verify = Array.isArray(result.verify) ? (result.verify as { path?: string; clean?: boolean }[]) : [];
  const record = {
    disks: (disks.disks ?? []).map((d) => ({ path: d.path, size_bytes: d.size_bytes, model: d.model, rotational: d.rotational })),
    mode, bytes: result.bytesDone ?? 0, duration_s: Math.round((Date.now() - started) / 100) / 10, verified: verify.length > 0 && verify.every((v) => v.clean === true),
  };
  await db.recordEvent({ nodeUuid: n, eventType: 'erase', actor: s.input.actor, requestId: s.input.requestId, severity: result.ok && record.verified ? 'INFO' : 'ERROR', event: `Erase record: ${JSON.stringify(record)}` });
  if (!result.ok) throw ApplicationFailure.nonRetryable(`Erase failed: ${result.error ?? 'unknown error'}`, 'EraseFailed');
  if (!record.verified) throw ApplicationFailure.nonRetryable('Erase verification found data left on the disk.', 'EraseNotVerified');
  await s.sayDone();
  await db.closeDeployment(s.deploymentId!);
  await s.timeline.step('power off', () => s.powerOff());
  await s.timeline.step('remove boot configs', () => s.hw.removeBootConfigs(n));
}

/** Cleaning: erase per mode ('none' skips it), then the target state. */
export async function cleanNode(input: CleanInput): Promise<void> {
  const s = new RamdiskSession(input, 'clean');
  const op = { ...input, kind: input.target === 'manageable' ? 'clean' : 'provide' };
  await db.beginOperation(op);
  try {
    if (input.eraseMode !== 'none') await erase(s, input.eraseMode);
    await db.finishOperation({ ...op, from: input.viaState, to: input.target, status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Cleaning of node ${input.nodeUuid} failed: ${errorText(err)}`;
    await s.compensate();
    await db.finishOperation({ ...op, from: input.viaState, to: 'clean failed', status: 'failed', error: msg, timeline: s.timeline.view() });
  }
}

/** undeploy: power off, remove boot configs, then automated cleaning → available. */
export async function teardownNode(input: CleanInput): Promise<void> {
  const s = new RamdiskSession(input, 'undeploy');
  const n = input.nodeUuid;
  const op = { ...input, kind: 'undeploy' };
  let state = input.viaState; // deleting
  await db.beginOperation(op);
  try {
    await s.timeline.step('power off', () => s.powerOff());
    await s.timeline.step('remove boot configs', () => s.hw.removeBootConfigs(n));
    if (input.eraseMode !== 'none') {
      await db.moveProvisionState({ nodeUuid: n, from: state, to: 'cleaning' });
      state = 'cleaning';
      await erase(s, input.eraseMode);
    }
    await db.finishOperation({ ...op, from: state, to: 'available', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Undeploy of node ${n} failed: ${errorText(err)}`;
    await s.compensate();
    await db.finishOperation({ ...op, from: state, to: state === 'cleaning' ? 'clean failed' : 'error', status: 'failed', error: msg, timeline: s.timeline.view() });
  }
}
