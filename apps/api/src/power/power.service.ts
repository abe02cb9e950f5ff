// Power actions and boot devices: validated here, carried out by workflows holding the node's lock.
import { Injectable } from '@nestjs/common';
import type { Node } from '../../../../prisma/generated/sqlite/client';
import { beginOperation } from '../../../../prisma/node-operations';
import { checkIpmiDriverInfo } from '../../../../workflows/contracts/drivers';
import {
  BOOT_DEVICES, isPowerTarget, resultingPowerState, siteTaskQueue, type BootDeviceInput, type BootDeviceName, type PowerInput,
} from '../../../../workflows/contracts/power';
import { nodeScope } from '../common/access';
import { BadRequestError, InvalidStateRequestedError, NotAcceptableError } from '../common/errors';
import { readBool, readPositiveInt, rejectUnknownKeys, requireObjectBody } from '../common/input';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';
import { findNode } from '../nodes/node-lookup';
import { parseJson } from '../nodes/node-view';

const DEFAULT_SOFT_TIMEOUT_SEC = 120;

@Injectable()
export class PowerService {
  constructor(private readonly store: Store, private readonly workflows: Workflows, private readonly settings: ApiSettings, private readonly lock: NodeLock) {}

  private site(node: Node): string {
    return siteTaskQueue(this.settings.taskQueue, node.conductorGroup);
  }

  private checkBmc(node: Node, what: string): void {
    const problems = checkIpmiDriverInfo(this.store.open(parseJson(node.driverInfo)));
    if (problems.length) throw new BadRequestError(`Failed to validate ${what} interface for node ${node.uuid}. Error: ${problems.join(' ')}`);
  }

  async setPower(ident: string, body: unknown, ctx: RequestContext, apiMinor: number): Promise<void> {
    const req = requireObjectBody(body, 'power request');
    rejectUnknownKeys(req, ['target', 'timeout'], 'power request');
    const node = await findNode(this.store.db, ident, nodeScope(ctx));
    const target = req.target;
    if (!isPowerTarget(target)) {
      throw new BadRequestError(`The requested action "${String(target)}" can not be performed on node "${ident}" while it is in state "${node.powerState}". Valid targets: power on, power off, rebooting, soft power off, soft rebooting.`);
    }
    let timeoutSec = DEFAULT_SOFT_TIMEOUT_SEC;
    if (req.timeout !== undefined && req.timeout !== null) {
      timeoutSec = readPositiveInt(req.timeout, 'timeout');
      if (timeoutSec < 1) throw new BadRequestError('timeout has to be positive integer');
    }
    if ((target.startsWith('soft') || req.timeout !== undefined) && apiMinor < 27) {
      throw new NotAcceptableError('Soft power actions and timeout require API version 1.27 or later.');
    }
    if (node.provisionState === 'cleaning' || node.provisionState === 'clean wait') {
      throw new InvalidStateRequestedError(target, node.uuid, node.provisionState);
    }
    this.checkBmc(node, 'power');
    const input: PowerInput = { nodeUuid: node.uuid, target, timeoutSec, actor: ctx.actor, requestId: ctx.requestId, hardwareQueue: this.site(node) };
    const run = await this.workflows.startNodeOperation(node.uuid, 'changePowerState', input, this.lock.busy(node));
    await beginOperation(this.store.db, {
      nodeUuid: node.uuid, kind: 'power', workflowId: run.workflowId, runId: run.runId, fromState: '', viaState: '', target: null,
      actor: ctx.actor, requestId: ctx.requestId, targetPowerState: resultingPowerState(target),
    });
  }

  async setBootDevice(ident: string, body: unknown, ctx: RequestContext): Promise<void> {
    const req = requireObjectBody(body, 'boot device request');
    rejectUnknownKeys(req, ['boot_device', 'persistent'], 'boot device request');
    const node = await findNode(this.store.db, ident, nodeScope(ctx));
    const device = req.boot_device;
    if (typeof device !== 'string' || !(BOOT_DEVICES as readonly string[]).includes(device)) {
      throw new BadRequestError(`Invalid boot device ${String(device)} specified. Supported: ${BOOT_DEVICES.join(', ')}.`);
    }
    const persistent = req.persistent === undefined || req.persistent === null ? false : readBool(req.persistent, 'persistent');
    this.checkBmc(node, 'management');
    const input: BootDeviceInput = { nodeUuid: node.uuid, device: device as BootDeviceName, persistent, actor: ctx.actor, requestId: ctx.requestId, hardwareQueue: this.site(node) };
    await this.workflows.executeNodeOperation<void>(node.uuid, 'setBootDevice', input, this.lock.busy(node));
  }

  async getBootDevice(ident: string, ctx: RequestContext): Promise<{ boot_device: string | null; persistent: boolean | null }> {
    const node = await findNode(this.store.db, ident, nodeScope(ctx));
    this.checkBmc(node, 'management');
    const got = await this.workflows.executeNodeOperation<{ bootDevice: string | null; persistent: boolean | null }>(node.uuid, 'getBootDevice', { nodeUuid: node.uuid, hardwareQueue: this.site(node) }, this.lock.busy(node));
    return { boot_device: got.bootDevice, persistent: got.persistent };
  }
}
