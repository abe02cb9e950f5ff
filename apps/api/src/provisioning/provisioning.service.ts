// Provision-state changes, maintenance and validation. Checks the state machine,
// then records intent and starts the node's workflow (which holds its lock).
import { Injectable } from '@nestjs/common';
import type { Node } from '../../../../prisma/generated/sqlite/client';
import { beginOperation, writeHistory } from '../../../../prisma/node-operations';
import { checkIpmiDriverInfo, findHardwareType } from '../../../../workflows/contracts/drivers';
import type { ProvisionInput } from '../../../../workflows/contracts/operations';
import {
  allowedTargets, findTransition, isApiTarget, MIN_VERB_VERSION, VERBS, type ApiTarget, type Transition,
} from '../../../../workflows/contracts/states';
import { BadRequestError, InvalidStateRequestedError, NodeLockedError, NotAcceptableError } from '../common/errors';
import { rejectUnknownKeys, requireObjectBody } from '../common/input';
import type { RequestContext } from '../common/request-context';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';
import { findNode } from '../nodes/node-lookup';
import { interfacesOf, parseJson } from '../nodes/node-view';

const PROVISION_KEYS = ['target', 'configdrive', 'clean_steps', 'deploy_steps', 'rescue_password', 'disable_ramdisk'];

/** Which body keys go with which targets. */
const PARAM_TARGETS: Record<string, ApiTarget[]> = {
  configdrive: ['active', 'deploy', 'rebuild'],
  deploy_steps: ['active', 'deploy', 'rebuild'],
  clean_steps: ['clean'],
  rescue_password: ['rescue'],
  disable_ramdisk: ['clean'],
};

/** The workflow that carries out each asynchronous transition. */
const WORKFLOW_FOR: Partial<Record<string, string>> = {
  'enroll:manage': 'manageNode',
  'manageable:provide': 'provideNode',
};

@Injectable()
export class ProvisioningService {
  constructor(private readonly store: Store, private readonly workflows: Workflows, private readonly settings: ApiSettings) {}

  private get db() {
    return this.store.db;
  }

  private async locked(node: Node): Promise<boolean> {
    return (await this.store.reservations([node.id], this.settings.conductor)).has(node.id);
  }

  async provision(ident: string, body: unknown, ctx: RequestContext, apiMinor: number): Promise<void> {
    const req = requireObjectBody(body, 'provision request');
    if (req.target === undefined || req.target === null) throw new BadRequestError('Missing mandatory parameter: target');
    rejectUnknownKeys(req, PROVISION_KEYS, 'provision request');
    const node = await findNode(this.db, ident);
    const target = String(req.target);
    if (!isApiTarget(target)) throw new InvalidStateRequestedError(target, node.uuid, node.provisionState, allowedTargets(node.provisionState));
    if (apiMinor < MIN_VERB_VERSION[target]) {
      throw new NotAcceptableError(`The "${target}" target requires API version 1.${MIN_VERB_VERSION[target]} or later.`);
    }
    const event = VERBS[target];
    if (node.maintenance && (event === 'deploy' || event === 'rebuild' || event === 'clean')) {
      throw new BadRequestError(`The provisioning operation can't be performed on node ${node.uuid} because it's in maintenance mode.`);
    }
    const transition = findTransition(node.provisionState, event);
    if (!transition) {
      if (await this.locked(node)) throw new NodeLockedError(node.uuid, this.settings.conductor);
      throw new InvalidStateRequestedError(target, node.uuid, node.provisionState, allowedTargets(node.provisionState));
    }
    for (const [param, targets] of Object.entries(PARAM_TARGETS)) {
      if (req[param] !== undefined && !targets.includes(target)) {
        throw new BadRequestError(`"${param}" can only be given with target ${targets.map((t) => `"${t}"`).join(' or ')}, not "${target}".`);
      }
    }
    if (target === 'clean' && !Array.isArray(req.clean_steps)) {
      throw new BadRequestError('"clean_steps" is required when setting target provision state to clean');
    }
    if (transition.target === null) {
      await this.synchronous(node, transition, target, ctx);
      return;
    }
    const workflowType = WORKFLOW_FOR[`${transition.from}:${transition.event}`];
    if (!workflowType) {
      throw new BadRequestError(`The "${target}" action is not available yet in this Ironflow release (node ${node.uuid}, state "${node.provisionState}").`);
    }
    const input: ProvisionInput = {
      nodeUuid: node.uuid, actor: ctx.actor, requestId: ctx.requestId,
      fromState: transition.from, viaState: transition.to, target: transition.target,
    };
    const run = await this.workflows.startNodeOperation(node.uuid, workflowType, input, () => this.locked(node));
    // Record the transition before answering 202 (clients poll at once). If this
    // process dies here, the workflow's first activity records it instead.
    await beginOperation(this.db, { ...input, kind: transition.event, workflowId: run.workflowId, runId: run.runId, fromState: transition.from, viaState: transition.to, target: transition.target });
  }

  /** Transitions with nothing to run (e.g. available → manageable): a compare-and-set. */
  private async synchronous(node: Node, t: Transition, target: string, ctx: RequestContext): Promise<void> {
    if (await this.locked(node)) throw new NodeLockedError(node.uuid, this.settings.conductor);
    await this.db.$transaction(async (tx) => {
      const now = new Date();
      const n = await tx.node.updateMany({
        where: { id: node.id, provisionState: t.from },
        data: { provisionState: t.to, targetProvisionState: null, lastError: null, provisionUpdatedAt: now, updatedAt: now },
      });
      if (n.count === 0) throw new InvalidStateRequestedError(target, node.uuid, node.provisionState);
      await writeHistory(tx, {
        nodeId: node.id, nodeUuid: node.uuid, eventType: 'provisioning', actor: ctx.actor, requestId: ctx.requestId,
        fromState: t.from, toState: t.to, event: `${target}: ${t.from} -> ${t.to}`,
      });
    });
  }

  async setMaintenance(ident: string, on: boolean, body: unknown, ctx: RequestContext): Promise<void> {
    const node = await findNode(this.db, ident);
    let reason: string | null = null;
    if (on) {
      const b = body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0) ? {} : requireObjectBody(body, 'maintenance request');
      rejectUnknownKeys(b, ['reason'], 'maintenance request');
      if (b.reason !== undefined && b.reason !== null && typeof b.reason !== 'string') throw new BadRequestError(`Expected string for reason: ${JSON.stringify(b.reason)}`);
      reason = (b.reason as string | null | undefined) ?? null;
    }
    if (await this.locked(node)) throw new NodeLockedError(node.uuid, this.settings.conductor);
    await this.db.$transaction(async (tx) => {
      await tx.node.update({
        where: { id: node.id },
        data: on ? { maintenance: true, maintenanceReason: reason, updatedAt: new Date() } : { maintenance: false, maintenanceReason: null, fault: null, powerSyncFailures: 0, updatedAt: new Date() },
      });
      await writeHistory(tx, {
        nodeId: node.id, nodeUuid: node.uuid, eventType: 'maintenance', actor: ctx.actor, requestId: ctx.requestId,
        event: on ? `Maintenance set${reason ? `: ${reason}` : ''}` : 'Maintenance unset',
      });
    });
  }

  async validate(ident: string): Promise<Record<string, { result: boolean; reason?: string }>> {
    const node = await findNode(this.db, ident);
    const info = this.store.open(parseJson(node.driverInfo));
    const ifaces = interfacesOf(node);
    const hw = findHardwareType(node.driver);
    const unsupported = (t: string) => ({ result: false, reason: `Driver ${node.driver} does not support ${t} (disabled or not implemented).` });
    const ipmi = checkIpmiDriverInfo(info);
    const bmc = ipmi.length ? { result: false, reason: ipmi.join(' ') } : { result: true };
    const ports = await this.db.port.count({ where: { nodeId: node.id, pxeEnabled: true } });
    const instance = this.store.open(parseJson(node.instanceInfo));
    const deploy = instance.image_source
      ? { result: true }
      : { result: false, reason: "Some parameters were missing in node's instance_info. Missing are: ['image_source']" };
    return {
      boot: ports > 0 ? { result: true } : { result: false, reason: `Node ${node.uuid} does not have any port with PXE enabled associated with it` },
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
