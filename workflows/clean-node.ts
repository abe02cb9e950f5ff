// teardownNode (undeploy) and cleanNode (automated cleaning after provide/undeploy,
// or manual `clean`): power off, boot configs gone, then the clean steps
// (workflows/contracts/steps.ts: secure erase through the deploy ramdisk) in order.
import type { CleanInput } from './contracts/deploy';
import { db, errorText, RamdiskSession } from './ramdisk-session';
import { cleanPlan, CLEAN_RUNNERS, showStep } from './steps';

async function runCleanSteps(s: RamdiskSession, input: CleanInput): Promise<void> {
  for (const step of cleanPlan(input.cleanSteps, input.eraseMode)) {
    await showStep(s, 'clean', step);
    await CLEAN_RUNNERS[step.key](s, step.args);
  }
}

/** Cleaning: the clean steps (none: straight to the target state), then the target state. */
export async function cleanNode(input: CleanInput): Promise<void> {
  const s = new RamdiskSession(input, 'clean');
  const op = { ...input, kind: input.target === 'manageable' ? 'clean' : 'provide' };
  await db.beginOperation(op);
  try {
    await runCleanSteps(s, input);
    await db.finishOperation({ ...op, from: input.viaState, to: input.target, status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Cleaning of node ${input.nodeUuid} failed: ${errorText(err)}`;
    await s.compensate();
    await db.finishOperation({
      ...op,
      from: input.viaState,
      to: 'clean failed',
      status: 'failed',
      error: msg,
      timeline: s.timeline.view(),
    });
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
    if (cleanPlan(input.cleanSteps, input.eraseMode).length) {
      await db.moveProvisionState({ nodeUuid: n, from: state, to: 'cleaning', actor: input.actor, requestId: input.requestId });
      state = 'cleaning';
      await runCleanSteps(s, input);
    }
    await db.finishOperation({ ...op, from: state, to: 'available', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Undeploy of node ${n} failed: ${errorText(err)}`;
    await s.compensate();
    await db.finishOperation({
      ...op,
      from: state,
      to: state === 'cleaning' ? 'clean failed' : 'error',
      status: 'failed',
      error: msg,
      timeline: s.timeline.view(),
    });
  }
}
