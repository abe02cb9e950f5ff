// The workflow code behind each deploy and clean step of workflows/contracts/steps.ts,
// per deploy interface. deployNode and cleanNode run the resolved list in order; a new
// step is one entry in the contract table, one runner here and its activity.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { DeployMode, EraseMode, IscsiTarget } from './contracts/deploy';
import type { ProvisionState } from './contracts/states';
import {
  automatedCleanSteps,
  DEPLOY_STEPS,
  resolveDeploySteps,
  type CleanStepKey,
  type DeployStepSpec,
  type ResolvedCleanStep,
  type ResolvedStep,
  type StepKey,
  type StepRef,
} from './contracts/steps';
import { type RamdiskSession, VIRTUAL_MEDIA_PATCH } from './ramdisk-session';

/** What deploy steps share while a deploy runs. */
export interface DeployRun {
  s: RamdiskSession;
  nodeUuid: string;
  /** Pins the cached image for this run. */
  holder: string;
  mode: DeployMode;
  /** The node's provision state as this run last set it. */
  state: ProvisionState;
  /** configDrive: the node has instance_info.configdrive (histories from before it lack the field). */
  img?: { key: string; sizeBytes: number; configDrive?: boolean };
  /** The ramdisk's iSCSI target, once it is up (iscsi). */
  target?: IscsiTarget;
}

export type StepRunner = (r: DeployRun, args: Record<string, unknown>) => Promise<void>;

async function move(r: DeployRun, to: ProvisionState): Promise<void> {
  await r.s.db.moveProvisionState({ nodeUuid: r.nodeUuid, from: r.state, to, actor: r.s.input.actor, requestId: r.s.input.requestId });
  r.state = to;
}

/** Cache the image (pinned, released on failure), boot the deploy ramdisk, wait call-back. */
async function bootDeployRamdisk(r: DeployRun): Promise<void> {
  const { s, nodeUuid: n, holder } = r;
  const img = await s.timeline.step('cache the image', () => s.data.cacheImage({ nodeUuid: n, holder }));
  s.onUndo('release the image', () => s.data.releaseImage({ key: img.key, holder, nodeUuid: n }));
  s.timeline.bytesTotal = img.sizeBytes;
  r.img = img;
  await s.bootRamdisk(r.mode, img.key);
  await move(r, 'wait call-back');
}

function needTarget(r: DeployRun): IscsiTarget {
  if (!r.target) throw ApplicationFailure.nonRetryable('No iSCSI target: deploy.deploy has not run.', 'StepOrder');
  return r.target;
}

const iscsi: Record<string, StepRunner> = {
  async 'deploy.deploy'(r) {
    await bootDeployRamdisk(r);
    const ready = await r.s.timeline.step('wait for the ramdisk', () => r.s.waitFor(['ready'], true));
    await move(r, 'deploying');
    r.target = {
      nodeUuid: r.nodeUuid,
      deploymentId: r.s.deploymentId!,
      imageKey: r.img!.key,
      address: ready.address!,
      port: ready.port!,
      iqn: ready.iqn!,
    };
  },
  async 'deploy.erase_devices_metadata'(r) {
    const t = needTarget(r);
    await r.s.timeline.step('erase the disk metadata over iSCSI', () => r.s.unlessRamdiskFails(() => r.s.data.eraseNodeDiskMetadata(t)));
  },
  async 'deploy.write_image'(r) {
    const t = needTarget(r);
    const w = await r.s.timeline.step('write the image over iSCSI', () => r.s.unlessRamdiskFails(() => r.s.data.writeImageToNode(t)));
    r.s.timeline.bytesDone = w.bytesWritten;
    await r.s.timeline.step('verify the written image', () => r.s.unlessRamdiskFails(() => r.s.data.verifyNodeImage(t)));
    // The config drive is part of this step (a step of its own would show in every deploy's steps, drive or
    // not): only a deploy with one runs these commands, so a deploy without one replays as before.
    if (r.img?.configDrive && patched('deploy-configdrive')) {
      await r.s.timeline.step('write the config drive over iSCSI', () => r.s.unlessRamdiskFails(() => r.s.data.writeConfigDriveToNode(t)));
    }
  },
};

const direct: Record<string, StepRunner> = {
  'deploy.deploy': bootDeployRamdisk,
  async 'deploy.write_image'(r) {
    const result = await r.s.timeline.step('wait for the ramdisk to write the image', () => r.s.waitFor(['result'], true));
    if (!result.ok) throw new Error(`The deploy ramdisk could not write the image: ${result.error ?? 'unknown error'}`);
    await move(r, 'deploying');
    // The config drive goes on over iSCSI, as in iscsi mode: the ramdisk exports its disk when told.
    if (r.img?.configDrive && patched('deploy-configdrive-direct')) {
      await r.s.db.setRamdiskCommand({ deploymentId: r.s.deploymentId!, command: 'export' });
      const ready = await r.s.timeline.step('wait for the ramdisk to export its disk', () => r.s.waitFor(['ready'], false));
      const t: IscsiTarget = {
        nodeUuid: r.nodeUuid,
        deploymentId: r.s.deploymentId!,
        imageKey: r.img.key,
        address: ready.address!,
        port: ready.port!,
        iqn: ready.iqn!,
      };
      await r.s.timeline.step('write the config drive over iSCSI', () => r.s.unlessRamdiskFails(() => r.s.data.writeConfigDriveToNode(t)));
    }
  },
};

/** What every ramdisk deploy ends with. */
const finish: Record<string, StepRunner> = {
  async 'deploy.tear_down_agent'(r) {
    await r.s.sayDone();
  },
  async 'deploy.boot_instance'(r) {
    const { s, nodeUuid: n } = r;
    if (s.virtualMedia && patched(VIRTUAL_MEDIA_PATCH)) {
      // The CD out, the ISO (it holds the deployment secret) gone, then boot from disk as after PXE.
      await s.timeline.step('boot from the installed image', async () => {
        await s.hw.ejectVirtualMedia(n);
        await s.hw.removeBootConfigs(n);
        await s.setBootDevice('disk', true);
        await s.powerOff();
        await s.powerOn();
      });
      return;
    }
    await s.timeline.step('boot from the installed image', async () => {
      await s.hw.writeFinalBootConfig(n);
      await s.setBootDevice('disk', true);
      await s.powerOff();
      await s.powerOn();
    });
  },
};

/** Deploy step runners per deploy interface; steps.test.ts checks they match the contract table. */
export const DEPLOY_RUNNERS: Readonly<Record<string, Readonly<Partial<Record<StepKey, StepRunner>>>>> = {
  iscsi: { ...iscsi, ...finish },
  direct: { ...direct, ...finish },
  // Ironic's fake deploy: nothing to do; the node reaches active with no image, boot config or power action.
  fake: { 'deploy.deploy': async () => undefined },
};

/** The steps and their code for this run: the API's resolved list, or the defaults for runs started before steps. */
export function deployPlan(iface: string, given: ResolvedStep[] | undefined): (ResolvedStep & { spec: DeployStepSpec; run: StepRunner })[] {
  const steps = given ?? resolveDeploySteps(iface);
  return steps.map((st) => {
    const spec = DEPLOY_STEPS[iface]?.find((x) => x.key === st.key);
    const run = DEPLOY_RUNNERS[iface]?.[st.key];
    if (!spec || !run) throw ApplicationFailure.nonRetryable(`Deploy interface ${iface} has no deploy step ${st.key}.`, 'UnknownStep');
    return { ...st, spec, run };
  });
}

/** Shows the step on the node (deploy_step / clean_step) and in its history; runs before the step. */
export async function showStep(s: RamdiskSession, kind: 'deploy' | 'clean', step: StepRef): Promise<void> {
  // Runs started before steps existed have no such activity in their history.
  if (!patched('node-step-field')) return;
  await s.db.setCurrentStep({ nodeUuid: s.input.nodeUuid, kind, step, actor: s.input.actor, requestId: s.input.requestId });
}

/**
 * Secure erase through the deploy ramdisk in erase mode, with a verify pass and an
 * erase record in the history; then the node is off and its boot configs gone.
 */
export async function erase(s: RamdiskSession, mode: EraseMode): Promise<void> {
  const n = s.input.nodeUuid;
  await s.bootRamdisk('erase');
  const disks = await s.timeline.step('wait for the ramdisk', () => s.waitFor(['disks'], true));
  await s.db.setRamdiskCommand({ deploymentId: s.deploymentId!, command: 'erase', args: { mode } });
  const started = Date.now();
  const result = await s.timeline.step(`erase (${mode})`, () => s.waitFor(['result'], false));
  // One verify object per disk: ends zero (and, after a full erase, no non-zero sample).
  const verify = Array.isArray(result.verify) ? (result.verify as { path?: string; clean?: boolean }[]) : [];
  const record = {
    disks: (disks.disks ?? []).map((d) => ({ path: d.path, size_bytes: d.size_bytes, model: d.model, rotational: d.rotational })),
    mode,
    bytes: result.bytesDone ?? 0,
    duration_s: Math.round((Date.now() - started) / 100) / 10,
    verified: verify.length > 0 && verify.every((v) => v.clean === true),
  };
  await s.db.recordEvent({
    nodeUuid: n,
    eventType: 'erase',
    actor: s.input.actor,
    requestId: s.input.requestId,
    severity: result.ok && record.verified ? 'INFO' : 'ERROR',
    event: `Erase record: ${JSON.stringify(record)}`,
  });
  if (!result.ok) throw ApplicationFailure.nonRetryable(`Erase failed: ${result.error ?? 'unknown error'}`, 'EraseFailed');
  if (!record.verified) throw ApplicationFailure.nonRetryable('Erase verification found data left on the disk.', 'EraseNotVerified');
  await s.sayDone();
  await s.db.closeDeployment(s.deploymentId!);
  await s.timeline.step('power off', () => s.powerOff());
  await s.timeline.step('remove boot configs', () => s.hw.removeBootConfigs(n));
}

/** Clean step runners: both erase steps run the ramdisk in their erase mode. */
export const CLEAN_RUNNERS: Readonly<Record<CleanStepKey, (s: RamdiskSession, args: Record<string, unknown>) => Promise<void>>> = {
  'deploy.erase_devices': (s) => erase(s, 'full'),
  'deploy.erase_devices_metadata': (s) => erase(s, 'metadata'),
};

/** The clean steps of this run: the API's list, or (runs started before steps) the one its erase mode meant. */
export function cleanPlan(given: ResolvedCleanStep[] | undefined, eraseMode: EraseMode | 'none'): ResolvedCleanStep[] {
  if (given) return given;
  // Any interface with both erase steps gives the same answer.
  return automatedCleanSteps('iscsi', eraseMode);
}
