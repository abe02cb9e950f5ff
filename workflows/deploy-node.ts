// deployNode: the deploy flow of DESIGN.md (seeds 000/001), step by step. iscsi mode:
// the ramdisk exports the disk and the worker writes the image; direct mode: the
// ramdisk pulls the image from our image server. Any failure runs the undo list and
// leaves the node in `deploy failed` with last_error.
import { workflowInfo } from '@temporalio/workflow';
import type { DeployInput } from './contracts/deploy';
import { db, errorText, RamdiskSession } from './ramdisk-session';

export async function deployNode(input: DeployInput): Promise<void> {
  const s = new RamdiskSession(input, 'deploy');
  const n = input.nodeUuid;
  const op = { ...input, kind: 'deploy' };
  const holder = `deploy-${workflowInfo().runId}`;
  let state = input.viaState;
  await db.beginOperation(op);
  try {
    const { mode } = await s.timeline.step('validate', () => db.validateDeploy(n));
    const img = await s.timeline.step('cache the image', () => s.data.cacheImage({ nodeUuid: n, holder }));
    s.onUndo('release the image', () => s.data.releaseImage({ key: img.key, holder, nodeUuid: n }));
    s.timeline.bytesTotal = img.sizeBytes;
    await s.bootRamdisk(mode, img.key);
    await db.moveProvisionState({ nodeUuid: n, from: state, to: 'wait call-back' });
    state = 'wait call-back';
    if (mode === 'iscsi') {
      const ready = await s.timeline.step('wait for the ramdisk', () => s.waitFor(['ready'], true));
      await db.moveProvisionState({ nodeUuid: n, from: state, to: 'deploying' });
      state = 'deploying';
      const target = { nodeUuid: n, deploymentId: s.deploymentId!, imageKey: img.key, address: ready.address!, port: ready.port!, iqn: ready.iqn! };
      const w = await s.timeline.step('write the image over iSCSI', () => s.unlessRamdiskFails(() => s.data.writeImageToNode(target)));
      s.timeline.bytesDone = w.bytesWritten;
      await s.timeline.step('verify the written image', () => s.unlessRamdiskFails(() => s.data.verifyNodeImage(target)));
    } else {
      const result = await s.timeline.step('wait for the ramdisk to write the image', () => s.waitFor(['result'], true));
      if (!result.ok) throw new Error(`The deploy ramdisk could not write the image: ${result.error ?? 'unknown error'}`);
      await db.moveProvisionState({ nodeUuid: n, from: state, to: 'deploying' });
      state = 'deploying';
    }
    await s.sayDone();
    await s.timeline.step('boot from the installed image', async () => {
      await s.hw.writeFinalBootConfig(n);
      await s.hw.setBootDevice(n, 'disk', true);
      await s.powerOff();
      await s.powerOn();
    });
    await db.closeDeployment(s.deploymentId!);
    await s.data.releaseImage({ key: img.key, holder, nodeUuid: n });
    await db.finishOperation({ ...op, from: state, to: 'active', status: 'succeeded', timeline: s.timeline.view() });
  } catch (err) {
    const msg = `Deploy of node ${n} failed: ${errorText(err)}`;
    const undoFailures = await s.compensate();
    const error = undoFailures.length ? `${msg} (clean-up also failed: ${undoFailures.join('; ')})` : msg;
    await db.finishOperation({ ...op, from: state, to: 'deploy failed', status: 'failed', error, timeline: s.timeline.view() });
  }
}
