// Provision-state changes, maintenance and validation. Checks the state machine,
// then records intent and starts the node's workflow (which holds its lock).
import { gunzipSync } from 'node:zlib';
import { Injectable } from '@nestjs/common';
import type { Node } from '#prisma/generated/sqlite/client';
import { beginOperation, moveProvisionState, writeHistory } from '#prisma/node-operations';
import { deployNeeds, driverInfoProblems, findHardwareType, resolveInterfaces } from '#workflows/domain/drivers';
import { abortSignal, type CleanInput, type DeployInput, type EraseMode, type RescueInput } from '#workflows/contracts/deploy';
import { nodeOperationId } from '#workflows/contracts/ids';
import { bootFileProblem, imageSourceProblem } from '#workflows/domain/image-refs';
import { bootModeProblems } from '#workflows/domain/boot-mode';
import { configDriveProblem } from '#workflows/domain/config-drive';
import { sha512Crypt } from '../common/sha512-crypt';
import { siteTaskQueue } from '#workflows/contracts/power';
import {
  automatedCleanSteps,
  cleanStepSpec,
  mergeTemplateSteps,
  resolveDeploySteps,
  resolveManualCleanSteps,
  StepError,
} from '#workflows/contracts/steps';
import {
  allowedTargets,
  asProvisionState,
  findTransition,
  isApiTarget,
  MIN_VERB_VERSION,
  VERBS,
  type ApiTarget,
  type ProvisionState,
  type Transition,
} from '#workflows/contracts/states';
import { LESSEE_PROVISION_TARGETS, nodeScope, requireOwner } from '../common/access';
import { BadRequestError, InvalidStateRequestedError, NotAcceptableError, UnknownTargetError } from '../common/errors';
import { rejectUnknownKeys, requireObjectBody } from '../common/input';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';
import { DeployTemplatesService } from '../deploy-templates/deploy-templates.service';
import { findNode } from '../nodes/node-lookup';
import { bootModeFor, driverFieldsOf, interfacesOf, parseJson } from '../nodes/node-view';
import type { ProvisionRequest } from './provision-request';

/** Which body keys go with which targets. */
const PARAM_TARGETS: Record<string, ApiTarget[]> = {
  configdrive: ['active', 'deploy', 'rebuild'],
  deploy_steps: ['active', 'deploy', 'rebuild'],
  clean_steps: ['clean'],
  service_steps: ['service'],
  rescue_password: ['rescue'],
  disable_ramdisk: ['clean'],
};

/** The workflow that carries out each asynchronous transition. */
const WORKFLOW_FOR: Partial<Record<string, string>> = {
  'enroll:manage': 'manageNode',
  'manageable:adopt': 'adoptNode',
  'adopt failed:adopt': 'adoptNode',
  'manageable:provide': 'cleanNode',
  'manageable:clean': 'cleanNode',
  'available:deploy': 'deployNode',
  'deploy failed:deploy': 'deployNode',
  'deploy failed:rebuild': 'deployNode',
  'active:rebuild': 'deployNode',
  'error:rebuild': 'deployNode',
  'active:delete': 'teardownNode',
  'deploy failed:delete': 'teardownNode',
  'error:delete': 'teardownNode',
  'manageable:inspect': 'inspectNode',
  'inspect failed:inspect': 'inspectNode',
  'active:rescue': 'rescueNode',
  'rescue:rescue': 'rescueNode',
  'rescue failed:rescue': 'rescueNode',
  'unrescue failed:rescue': 'rescueNode',
  'rescue:unrescue': 'unrescueNode',
  'rescue failed:unrescue': 'unrescueNode',
  'unrescue failed:unrescue': 'unrescueNode',
  'rescue:delete': 'teardownNode',
  'rescue failed:delete': 'teardownNode',
  'unrescue failed:delete': 'teardownNode',
};

/** Where a running operation listens for `abort` (its workflow cleans up and ends in the failed state). */
const ABORT_BY_SIGNAL: readonly ProvisionState[] = ['wait call-back', 'inspect wait', 'rescue wait'];

/** Longer rescue passwords are refused (400): a hash input, not a document. */
const RESCUE_PASSWORD_MAX = 256;

/** deploy_steps in a provision request needs this API version (Ironic 1.69; 406 below). */
const DEPLOY_STEPS_MIN_VERSION = 69;

/** A configdrive JSON object needs API 1.56, and vendor_data in it 1.59 (Ironic: 400 below, not 406). */
const CONFIG_DRIVE_OBJECT_MIN_VERSION = 56;
const CONFIG_DRIVE_VENDOR_DATA_MIN_VERSION = 59;

/** Refuses a configdrive Ironflow could not write (400 saying what to fix), before anything is stored or started. */
function checkConfigDrive(configdrive: unknown, apiMinor: number): void {
  if (typeof configdrive === 'object' && configdrive !== null && !Array.isArray(configdrive)) {
    if (apiMinor < CONFIG_DRIVE_OBJECT_MIN_VERSION) {
      throw new BadRequestError(
        `Providing a JSON object for configdrive is only supported starting with API version 1.${CONFIG_DRIVE_OBJECT_MIN_VERSION}; send base64 of a gzipped ISO 9660 image instead, or a newer X-OpenStack-Ironic-API-Version.`,
      );
    }
    if ('vendor_data' in configdrive && apiMinor < CONFIG_DRIVE_VENDOR_DATA_MIN_VERSION) {
      throw new BadRequestError(
        `Providing vendor_data in configdrive is only supported starting with API version 1.${CONFIG_DRIVE_VENDOR_DATA_MIN_VERSION}.`,
      );
    }
  }
  // The decoded ISO is bounded by the cap: gunzip stops (RangeError) past it.
  const problem = configDriveProblem(configdrive, (b, max) => gunzipSync(b, { maxOutputLength: max }));
  if (problem) throw new BadRequestError(problem);
}

/**
 * Ironic's API-side rescue checks, before the state machine: a non-empty rescue_password (a string),
 * and a rescue interface that can rescue (no-rescue cannot: Ironic's validation failure).
 */
function checkRescue(node: Node, password: unknown): void {
  if (typeof password !== 'string' || password.trim() === '') {
    throw new BadRequestError('A non-empty "rescue_password" is required when setting target provision state to rescue');
  }
  if (password.length > RESCUE_PASSWORD_MAX) {
    throw new BadRequestError(`"rescue_password" is ${password.length} characters long; the limit is ${RESCUE_PASSWORD_MAX}.`);
  }
  const name = interfacesOf(node).rescue;
  if (name === 'no-rescue') {
    const other = findHardwareType(node.driver)?.enabled.rescue.filter((r) => r !== 'no-rescue') ?? [];
    throw new BadRequestError(
      `Failed to rescue instance ${node.instanceUuid ?? 'None'} for node ${node.uuid}: Validation failed. Reason: Driver ${node.driver} does not support rescue (disabled or not implemented): its rescue interface is "no-rescue".${
        other.length ? ` Set rescue_interface to ${other.join(' or ')} first.` : ''
      }`,
    );
  }
}

/** The step table's answer for this node, or a 400 saying what is wrong with the user's steps. */
function stepsOr400<T>(resolve: () => T): T {
  try {
    return resolve();
  } catch (e) {
    if (e instanceof StepError) throw new BadRequestError(e.message);
    throw e;
  }
}

@Injectable()
export class ProvisioningService {
  constructor(
    private readonly store: Store,
    private readonly workflows: Workflows,
    private readonly settings: ApiSettings,
    private readonly lock: NodeLock,
    private readonly templates: DeployTemplatesService,
  ) {}

  private get db() {
    return this.store.db;
  }

  async provision(ident: string, req: ProvisionRequest, ctx: RequestContext, apiMinor: number): Promise<void> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    const target = req.target;
    const state = asProvisionState(node.provisionState);
    if (!isApiTarget(target)) throw new UnknownTargetError(target, node.uuid, state, allowedTargets(state));
    if (!LESSEE_PROVISION_TARGETS.includes(target)) requireOwner(ctx, node, `request provision target "${target}"`);
    if (apiMinor < MIN_VERB_VERSION[target]) {
      throw new NotAcceptableError(`The "${target}" target requires API version 1.${MIN_VERB_VERSION[target]} or later.`);
    }
    if (req.deploy_steps !== undefined && apiMinor < DEPLOY_STEPS_MIN_VERSION) {
      throw new NotAcceptableError(`"deploy_steps" requires API version 1.${DEPLOY_STEPS_MIN_VERSION} or later.`);
    }
    const event = VERBS[target];
    if (target === 'inspect' && (state === 'manageable' || state === 'inspect failed')) await this.checkInspectable(node);
    if (target === 'service') this.refuseService(node, state, req.service_steps);
    if (target === 'rescue') checkRescue(node, req.rescue_password);
    if (node.maintenance && (event === 'deploy' || event === 'rebuild' || event === 'clean' || event === 'rescue')) {
      throw new BadRequestError(`The provisioning operation can't be performed on node ${node.uuid} because it's in maintenance mode.`);
    }
    const transition = findTransition(state, event);
    if (!transition) {
      await this.lock.assertUnlocked(node);
      throw new InvalidStateRequestedError(target, node.uuid, state, allowedTargets(state));
    }
    for (const [param, targets] of Object.entries(PARAM_TARGETS)) {
      if (req[param as keyof ProvisionRequest] !== undefined && !targets.includes(target)) {
        throw new BadRequestError(
          `"${param}" can only be given with target ${targets.map((t) => `"${t}"`).join(' or ')}, not "${target}".`,
        );
      }
    }
    if (req.configdrive !== undefined) checkConfigDrive(req.configdrive, apiMinor);
    if (target === 'clean' && !Array.isArray(req.clean_steps)) {
      throw new BadRequestError('"clean_steps" is required when setting target provision state to clean');
    }
    if (target === 'clean') this.refuseRaidSteps(node, req.clean_steps as unknown[]);
    if (transition.event === 'abort' && ABORT_BY_SIGNAL.includes(transition.from)) {
      // The deploy, inspect or rescue workflow holds the node: tell it to stop; it cleans up and ends in its failed state.
      await this.workflows.signal(nodeOperationId(node.uuid), '', abortSignal, { actor: ctx.actor, requestId: ctx.requestId });
      return;
    }
    if (transition.target === null) {
      await this.synchronous(node, transition, target, ctx);
      return;
    }
    const workflowType = WORKFLOW_FOR[`${transition.from}:${transition.event}`];
    if (!workflowType) {
      throw new BadRequestError(
        `The "${target}" action is not available yet in this Ironflow release (node ${node.uuid}, state "${node.provisionState}").`,
      );
    }
    const deployInterface = interfacesOf(node).deploy;
    if (workflowType === 'deployNode') await this.checkDeployable(node);
    const base = {
      nodeUuid: node.uuid,
      actor: ctx.actor,
      requestId: ctx.requestId,
      fromState: transition.from,
      viaState: transition.to,
      target: transition.target,
      hardwareQueue: siteTaskQueue(this.settings.taskQueue, node.conductorGroup),
      callbackTimeoutSec: workflowType === 'inspectNode' ? this.settings.inspectTimeoutSec : this.settings.callbackTimeoutSec,
      bootMode: bootModeFor(node, this.settings.defaultBootMode),
    };
    let input: DeployInput | CleanInput | RescueInput;
    if (workflowType === 'cleanNode' || workflowType === 'teardownNode') {
      const automated = node.automatedClean === false ? 'none' : this.settings.automatedClean;
      const cleanSteps = stepsOr400(() =>
        target === 'clean' ? resolveManualCleanSteps(deployInterface, req.clean_steps) : automatedCleanSteps(deployInterface, automated),
      );
      const eraseMode: EraseMode | 'none' = cleanSteps.length
        ? (cleanStepSpec(cleanSteps[0].key, deployInterface)?.eraseMode ?? 'none')
        : 'none';
      input = { ...base, eraseMode, cleanSteps };
    } else if (workflowType === 'rescueNode' || workflowType === 'unrescueNode') {
      input = { ...base, rescueInterface: interfacesOf(node).rescue };
    } else if (workflowType === 'deployNode') {
      // Deploy templates named by the instance's traits add their steps; the request's own deploy_steps win.
      const templates = await this.templates.forTraits(parseJson(node.instanceInfo).traits);
      input = {
        ...base,
        deploySteps: stepsOr400(() => resolveDeploySteps(deployInterface, mergeTemplateSteps(templates, req.deploy_steps ?? []))),
      };
    } else {
      input = base;
    }
    if (workflowType === 'rescueNode') await this.checkRescuable(node);
    if (req.configdrive !== undefined) await this.storeConfigDrive(node, req.configdrive);
    if (workflowType === 'rescueNode') await this.storeRescuePassword(node, req.rescue_password as string);
    const run = await this.workflows.startNodeOperation(node.uuid, workflowType, input, this.lock.busy(node)).catch(async (e: unknown) => {
      // Refused (e.g. the node is busy): the request changed nothing, so the hash goes again.
      if (workflowType === 'rescueNode') await this.db.node.update({ where: { id: node.id }, data: { instanceInfo: node.instanceInfo } });
      throw e;
    });
    // Record the transition before answering 202 (clients poll at once). If this
    // process dies here, the workflow's first activity records it instead.
    await beginOperation(this.db, {
      ...input,
      kind: transition.event,
      workflowId: run.workflowId,
      runId: run.runId,
      fromState: transition.from,
      viaState: transition.to,
      target: transition.target,
    });
  }

  /** Inspection runs with inspect_interface agent (the ramdisk boots from a PXE-enabled port); others answer Ironic's 400. */
  private async checkInspectable(node: Node): Promise<void> {
    const name = interfacesOf(node).inspect;
    const iface = resolveInterfaces(driverFieldsOf(node, {})).interfaces.inspect;
    if (name === 'agent' && iface && !iface.notImplemented) {
      if ((await this.db.port.count({ where: { nodeId: node.id, pxeEnabled: true } })) === 0)
        throw new BadRequestError(
          `Node ${node.uuid} cannot be inspected: it has no port with PXE enabled to boot the inspection ramdisk from. Create a port with the MAC of the NIC it network-boots from (baremetal port create <mac> --node ${node.uuid}).`,
        );
      return;
    }
    if (iface?.notImplemented) {
      throw new BadRequestError(
        `Node ${node.uuid} cannot be inspected yet: its inspect interface "${name}" (${iface.notImplemented}) is accepted at enrollment, but inspection is not implemented in this Ironflow release. Enter hardware properties by hand (PATCH /properties) instead.`,
      );
    }
    throw new BadRequestError(
      `Driver ${node.driver} does not support inspect (disabled or not implemented): node ${node.uuid} has inspect interface "${name}". Enter hardware properties by hand (PATCH /properties) instead.`,
    );
  }

  /** `service` (1.87): the verb is known, but Ironflow offers no service steps yet, so any request names steps that do not exist. */
  private refuseService(node: Node, state: ProvisionState, steps: unknown): void {
    if (!Array.isArray(steps)) throw new BadRequestError('"service_steps" is required when setting target provision state to service');
    if (state !== 'active') throw new InvalidStateRequestedError('service', node.uuid, state, allowedTargets(state));
    const named = steps.map((s) => {
      const o = (s ?? {}) as { interface?: unknown; step?: unknown };
      return `${String(o.interface)}.${String(o.step)}`;
    });
    throw new BadRequestError(
      `Node ${node.uuid} does not support the requested service step(s) ${named.length ? named.join(', ') : '(none given)'}: the service steps that exist are: none (Ironflow offers no service steps yet).`,
    );
  }

  /** RAID clean steps need the ramdisk agent, which Ironflow does not run yet. */
  private refuseRaidSteps(node: Node, steps: unknown[]): void {
    const raid = steps.filter((s) => (s as { interface?: unknown } | null)?.interface === 'raid');
    if (!raid.length) return;
    const name = interfacesOf(node).raid;
    throw new BadRequestError(
      `RAID clean steps (${raid.map((s) => `raid.${String((s as { step?: unknown }).step)}`).join(', ')}) cannot run on node ${node.uuid}: its raid interface "${name}" needs the ramdisk agent, which this Ironflow release does not run yet. target_raid_config (PUT /v1/nodes/${node.uuid}/states/raid) is stored for when it can; clean with deploy.erase_devices or deploy.erase_devices_metadata meanwhile.`,
    );
  }

  /** PUT /states/raid (1.12): stores target_raid_config when the node's raid interface can hold one. */
  async setTargetRaidConfig(ident: string, config: Record<string, unknown>, ctx: RequestContext): Promise<void> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    requireOwner(ctx, node, 'set its target RAID configuration');
    const name = interfacesOf(node).raid;
    if (name === 'no-raid') {
      throw new BadRequestError(
        `Driver ${node.driver} does not support raid (disabled or not implemented): node ${node.uuid} has raid interface "no-raid". Set raid_interface to ${
          findHardwareType(node.driver)
            ?.enabled.raid.filter((r) => r !== 'no-raid')
            .join(' or ') || 'a RAID interface'
        } first.`,
      );
    }
    await this.lock.assertUnlocked(node);
    await this.db.$transaction(async (tx) => {
      await tx.node.update({ where: { id: node.id }, data: { targetRaidConfig: JSON.stringify(config), updatedAt: new Date() } });
      await writeHistory(tx, {
        nodeId: node.id,
        nodeUuid: node.uuid,
        eventType: 'inventory',
        actor: ctx.actor,
        requestId: ctx.requestId,
        event: Object.keys(config).length ? 'Target RAID configuration set' : 'Target RAID configuration cleared',
      });
    });
  }

  /** Deploy-time validation, synchronous as in Ironic: what is missing is a 400 now, not a failed deploy later. */
  private async checkDeployable(node: Node): Promise<void> {
    const fields = driverFieldsOf(node, this.store.open(parseJson(node.driverInfo)));
    const problems = driverInfoProblems(fields);
    // The node's deploy and boot interfaces say what they need (e.g. a deploy that writes no image needs none).
    const needs = deployNeeds(fields);
    if (needs.image) {
      const instance = this.store.open(parseJson(node.instanceInfo));
      // Where the image and boot files come from is user input: refuse what the worker would refuse, now.
      const source = imageSourceProblem(instance.image_source, this.settings.imageAllowedNetworks);
      if (source) problems.push(source);
      for (const k of ['kernel', 'ramdisk'] as const) {
        const problem = instance[k] === undefined || instance[k] === null ? undefined : bootFileProblem(`instance_info.${k}`, instance[k]);
        if (problem) problems.push(problem);
      }
      if (!instance.image_checksum && !(instance.image_os_hash_algo && instance.image_os_hash_value)) {
        problems.push('instance_info needs image_checksum, or image_os_hash_algo and image_os_hash_value.');
      }
    }
    if (needs.pxePort && (await this.db.port.count({ where: { nodeId: node.id, pxeEnabled: true } })) === 0)
      problems.push('the node has no port with PXE enabled.');
    // Values stored before boot modes were checked on write: a deploy would otherwise boot the default mode silently.
    if (needs.pxePort)
      problems.push(...bootModeProblems({ properties: parseJson(node.properties), instanceInfo: parseJson(node.instanceInfo) }));
    if (problems.length) throw new BadRequestError(`Failed to validate deploy or power info for node ${node.uuid}: ${problems.join(' ')}`);
  }

  /** What rescue boots through (the deploy ramdisk, by the node's boot interface) must be there, as for a deploy: 400 now. */
  private async checkRescuable(node: Node): Promise<void> {
    const fields = driverFieldsOf(node, this.store.open(parseJson(node.driverInfo)));
    const problems = driverInfoProblems(fields);
    if (deployNeeds(fields).pxePort && (await this.db.port.count({ where: { nodeId: node.id, pxeEnabled: true } })) === 0)
      problems.push('the node has no port with PXE enabled.');
    if (problems.length) throw new BadRequestError(`Failed to validate rescue or power info for node ${node.uuid}: ${problems.join(' ')}`);
  }

  /**
   * Keeps only the password's SHA-512 crypt hash (instance_info.hashed_rescue_password, as Ironic names it),
   * sealed like every secret there: the clear password is never stored, and the workflow never sees either.
   */
  private async storeRescuePassword(node: Node, password: string): Promise<void> {
    const info = this.store.open(parseJson(node.instanceInfo));
    delete info.rescue_password;
    info.hashed_rescue_password = sha512Crypt(password);
    await this.db.node.update({ where: { id: node.id }, data: { instanceInfo: JSON.stringify(this.store.seal(info)) } });
  }

  /** Stores a configdrive that checkConfigDrive accepted, sealed (as every secret in instance_info). */
  private async storeConfigDrive(node: Node, configdrive: unknown): Promise<void> {
    const info = this.store.open(parseJson(node.instanceInfo));
    info.configdrive = configdrive;
    await this.db.node.update({ where: { id: node.id }, data: { instanceInfo: JSON.stringify(this.store.seal(info)) } });
  }

  /** Transitions with nothing to run (e.g. available → manageable): a compare-and-set. */
  private async synchronous(node: Node, t: Transition, target: string, ctx: RequestContext): Promise<void> {
    await this.lock.assertUnlocked(node);
    await this.db.$transaction(async (tx) => {
      const moved = await moveProvisionState(tx, {
        nodeUuid: node.uuid,
        from: t.from,
        to: t.to,
        data: { targetProvisionState: null, lastError: null },
        history: { nodeId: node.id, actor: ctx.actor, requestId: ctx.requestId, event: `${target}: ${t.from} -> ${t.to}` },
      });
      // Anything but a move (the node changed under us) is refused; the rollback drops the history row.
      if (moved !== 'moved') throw new InvalidStateRequestedError(target, node.uuid, node.provisionState);
    });
  }

  async setMaintenance(ident: string, on: boolean, body: unknown, ctx: RequestContext): Promise<void> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    requireOwner(ctx, node, 'set or clear maintenance');
    let reason: string | null = null;
    if (on) {
      const b =
        body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)
          ? {}
          : requireObjectBody(body, 'maintenance request');
      rejectUnknownKeys(b, ['reason'], 'maintenance request');
      if (b.reason !== undefined && b.reason !== null && typeof b.reason !== 'string')
        throw new BadRequestError(`Expected string for reason: ${JSON.stringify(b.reason)}`);
      reason = (b.reason as string | null | undefined) ?? null;
    }
    await this.lock.assertUnlocked(node);
    await this.db.$transaction(async (tx) => {
      await tx.node.update({
        where: { id: node.id },
        // An operator who sets maintenance owns it from then on: clearing the fault stops the
        // power sync from lifting it when a dead BMC answers again (only its own maintenance is lifted).
        data: on
          ? { maintenance: true, maintenanceReason: reason, fault: null, updatedAt: new Date() }
          : { maintenance: false, maintenanceReason: null, fault: null, powerSyncFailures: 0, updatedAt: new Date() },
      });
      await writeHistory(tx, {
        nodeId: node.id,
        nodeUuid: node.uuid,
        eventType: 'maintenance',
        actor: ctx.actor,
        requestId: ctx.requestId,
        event: on ? `Maintenance set${reason ? `: ${reason}` : ''}` : 'Maintenance unset',
      });
    });
  }

  async validate(ident: string, ctx: RequestContext): Promise<Record<string, { result: boolean; reason?: string }>> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    const info = this.store.open(parseJson(node.driverInfo));
    const ifaces = interfacesOf(node);
    const hw = findHardwareType(node.driver);
    const unsupported = (t: string) => ({
      result: false,
      reason: `Driver ${node.driver} does not support ${t} (disabled or not implemented).`,
    });
    const fields = driverFieldsOf(node, info);
    const problems = driverInfoProblems(fields);
    const bmc = problems.length ? { result: false, reason: problems.join(' ') } : { result: true };
    const needs = deployNeeds(fields);
    const ports = needs.pxePort ? await this.db.port.count({ where: { nodeId: node.id, pxeEnabled: true } }) : 1;
    const instance = this.store.open(parseJson(node.instanceInfo));
    const deploy =
      instance.image_source || !needs.image
        ? { result: true }
        : { result: false, reason: "Some parameters were missing in node's instance_info. Missing are: ['image_source']" };
    return {
      boot:
        ports > 0
          ? { result: true }
          : { result: false, reason: `Node ${node.uuid} does not have any port with PXE enabled associated with it` },
      deploy: hw ? deploy : unsupported('deploy'),
      management: bmc,
      network: { result: true },
      power: bmc,
      bios: ifaces.bios === 'no-bios' ? unsupported('bios') : { result: true },
      console: ifaces.console === 'no-console' ? unsupported('console') : { result: true },
      inspect: ifaces.inspect === 'no-inspect' ? unsupported('inspect') : { result: true },
      raid: ifaces.raid === 'no-raid' ? unsupported('raid') : { result: true },
      rescue: ifaces.rescue === 'no-rescue' ? unsupported('rescue') : { result: true },
      storage: { result: true },
    };
  }
}
