// Power actions and boot devices: validated here, carried out by workflows holding the node's lock.
import { Injectable } from '@nestjs/common';
import type { Node } from '#prisma/generated/sqlite/client';
import { beginOperation } from '#prisma/node-operations';
import { driverInfoProblems } from '#workflows/domain/drivers';
import {
  resultingPowerState,
  siteTaskQueue,
  type BootDeviceInput,
  type BootDeviceName,
  type NmiInput,
  type PowerInput,
} from '#workflows/contracts/power';
import { nodeScope } from '../common/access';
import { BadRequestError, InvalidStateRequestedError, NotAcceptableError } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';
import { findNode } from '../nodes/node-lookup';
import { bootModeFor, driverFieldsOf, parseJson } from '../nodes/node-view';
import type { BootDeviceRequest, PowerRequest } from './power-request';

@Injectable()
export class PowerService {
  constructor(
    private readonly store: Store,
    private readonly workflows: Workflows,
    private readonly settings: ApiSettings,
    private readonly lock: NodeLock,
  ) {}

  private site(node: Node): string {
    return siteTaskQueue(this.settings.taskQueue, node.conductorGroup);
  }

  private checkBmc(node: Node, what: string): void {
    const problems = driverInfoProblems(driverFieldsOf(node, this.store.open(parseJson(node.driverInfo))));
    if (problems.length)
      throw new BadRequestError(`Failed to validate ${what} interface for node ${node.uuid}. Error: ${problems.join(' ')}`);
  }

  /** `node` is found in the request's scope (NodesService.get). */
  async setPower(node: Node, req: PowerRequest, ctx: RequestContext, apiMinor: number): Promise<void> {
    const { target, timeoutSec } = req;
    if ((target.startsWith('soft') || req.timeoutGiven) && apiMinor < 27) {
      throw new NotAcceptableError('Soft power actions and timeout require API version 1.27 or later.');
    }
    if (node.provisionState === 'cleaning' || node.provisionState === 'clean wait') {
      throw new InvalidStateRequestedError(target, node.uuid, node.provisionState);
    }
    if ((target === 'power off' || target === 'soft power off') && node.disablePowerOff) {
      throw new BadRequestError(
        `Node ${node.uuid} has disable_power_off set: it may not be powered off (reboot is allowed). Unset disable_power_off first if it really must go off.`,
      );
    }
    this.checkBmc(node, 'power');
    const input: PowerInput = {
      nodeUuid: node.uuid,
      target,
      timeoutSec,
      actor: ctx.actor,
      requestId: ctx.requestId,
      hardwareQueue: this.site(node),
    };
    const run = await this.workflows.startNodeOperation(node.uuid, 'changePowerState', input, this.lock.busy(node));
    await beginOperation(this.store.db, {
      nodeUuid: node.uuid,
      kind: 'power',
      workflowId: run.workflowId,
      runId: run.runId,
      fromState: '',
      viaState: '',
      target: null,
      actor: ctx.actor,
      requestId: ctx.requestId,
      targetPowerState: resultingPowerState(target),
    });
  }

  async setBootDevice(node: Node, req: BootDeviceRequest, ctx: RequestContext): Promise<void> {
    const { device, persistent } = req;
    this.checkBmc(node, 'management');
    const input: BootDeviceInput = {
      nodeUuid: node.uuid,
      device: device as BootDeviceName,
      persistent,
      bootMode: bootModeFor(node, this.settings.defaultBootMode),
      actor: ctx.actor,
      requestId: ctx.requestId,
      hardwareQueue: this.site(node),
    };
    await this.workflows.executeNodeOperation<void>(node.uuid, 'setBootDevice', input, this.lock.busy(node));
  }

  /** Ironic's inject_nmi: synchronous, 204 once the BMC took it; a refusal is the BMC's error. */
  async injectNmi(node: Node, ctx: RequestContext): Promise<void> {
    this.checkBmc(node, 'management');
    const input: NmiInput = { nodeUuid: node.uuid, actor: ctx.actor, requestId: ctx.requestId, hardwareQueue: this.site(node) };
    await this.workflows.executeNodeOperation<void>(node.uuid, 'injectNmi', input, this.lock.busy(node));
  }

  async getBootDevice(ident: string, ctx: RequestContext): Promise<{ boot_device: string | null; persistent: boolean | null }> {
    const node = await findNode(this.store.db, ident, nodeScope(ctx));
    this.checkBmc(node, 'management');
    const got = await this.workflows.executeNodeOperation<{ bootDevice: string | null; persistent: boolean | null }>(
      node.uuid,
      'getBootDevice',
      { nodeUuid: node.uuid, hardwareQueue: this.site(node) },
      this.lock.busy(node),
    );
    return { boot_device: got.bootDevice, persistent: got.persistent };
  }
}
