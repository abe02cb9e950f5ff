// deployNode: the deploy flow of DESIGN.md (seeds 000/001) as a list of deploy steps
// (workflows/contracts/steps.ts), run highest priority first. iscsi mode: the ramdisk
// exports the disk and the worker writes the image; direct mode: the ramdisk pulls the
// image from our image server; fake: nothing. Any failure runs the undo list and
// leaves the node in `deploy failed` with last_error.
import { patched, workflowInfo } from '@temporalio/workflow';
import type { DeployInput } from './contracts/deploy';
import { db, errorText, localDb, RamdiskSession } from './ramdisk-session';
import { deployPlan, showStep, type DeployRun } from './steps';

export async function deployNode(input: DeployInput): Promise<void> {
  // Bookkeeping (history rows, state moves, deployment records) as local activities: a deploy's
  // three dozen short database writes no longer each wait on a round trip through the server.
  // Runs started before keep their activities.
  const s = new RamdiskSession(input, 'deploy', patched('deploy-local-bookkeeping') ? localDb : db);
  const { db: book } = s;
  const n = input.nodeUuid;
  const op = { ...input, kind: 'deploy' };
  const run: DeployRun = { s, nodeUuid: n, holder: `deploy-${workflowInfo().runId}`, mode: 'iscsi', state: input.viaState };
  await book.beginOperation(op);
  try {
    const v = await s.timeline.step('validate', () => book.validateDeploy(n));
    run.mode = v.mode;
    s.virtualMedia = v.virtualMedia === true;
    // Runs recorded before deploy steps returned the mode only; it named the interface then.
    for (const step of deployPlan(v.deployInterface ?? v.mode, input.deploySteps)) {
      await showStep(s, 'deploy', step);
      await step.run(run, step.args);
    }
    if (s.deploymentId) await book.closeDeployment(s.deploymentId);
    if (run.img) await s.data.releaseImage({ key: run.img.key, holder: run.holder, nodeUuid: n });
    await book.finishOperation({ ...op, from: run.state, to: 'active', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Deploy of node ${n} failed: ${errorText(err)}`;
    const undoFailures = await s.compensate();
    const error = undoFailures.length ? `${msg} (clean-up also failed: ${undoFailures.join('; ')})` : msg;
    await book.finishOperation({ ...op, from: run.state, to: 'deploy failed', status: 'failed', error, timeline: s.timeline.view() });
  }
}
