// VIFs (1.28) as Ironic's noop and flat network interfaces keep them without Neutron:
// attaching records the VIF id on one free port-like object of the node (a port group
// that has member ports first, then PXE-enabled standalone ports, then the other
// standalone ports); detaching clears it. The record is set by compare-and-set on the
// row's internal_info, so two concurrent attaches never take the same port.
import { Injectable } from '@nestjs/common';
import type { Node, Port, Portgroup } from '#prisma/generated/sqlite/client';
import { writeHistory } from '#prisma/node-operations';
import { BadRequestError, ConflictError } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { Store } from '../infra/store';
import { interfacesOf } from '../nodes/node-view';
import { vifOf, withVif } from './vif-record';

/** The network interfaces whose VIF bookkeeping this is. */
export const VIF_NETWORK_INTERFACES = ['noop', 'flat'];

export interface VifAttachRequest {
  id: string;
  /** 1.67: the port or port group to record it on, instead of the first free one */
  portUuid?: string;
  portgroupUuid?: string;
}

type Slot = { kind: 'port'; row: Port } | { kind: 'portgroup'; row: Portgroup };

@Injectable()
export class VifsService {
  constructor(
    private readonly store: Store,
    private readonly lock: NodeLock,
  ) {}

  private get db() {
    return this.store.db;
  }

  private async slots(node: Node): Promise<{ ports: Port[]; groups: Portgroup[] }> {
    const [ports, groups] = await Promise.all([
      this.db.port.findMany({ where: { nodeId: node.id }, orderBy: { id: 'asc' } }),
      this.db.portgroup.findMany({ where: { nodeId: node.id }, orderBy: { id: 'asc' } }),
    ]);
    return { ports, groups };
  }

  async list(node: Node): Promise<{ id: string }[]> {
    const { ports, groups } = await this.slots(node);
    return [...ports, ...groups]
      .map((r) => vifOf(r.internalInfo))
      .filter((v): v is string => v !== undefined)
      .map((id) => ({ id }));
  }

  private checkNetwork(node: Node): void {
    const network = interfacesOf(node).network;
    if (!VIF_NETWORK_INTERFACES.includes(network))
      throw new BadRequestError(
        `Node ${node.uuid} has network_interface '${network}': Ironflow records VIFs only for ${VIF_NETWORK_INTERFACES.join(' and ')}.`,
      );
  }

  /** The free port-like object to take, in Ironic's order of preference, or the one asked for. */
  private choose(req: VifAttachRequest, ports: Port[], groups: Portgroup[]): Slot {
    const free = (r: { internalInfo: string }) => vifOf(r.internalInfo) === undefined;
    if (req.portUuid !== undefined) {
      const port = ports.find((p) => p.uuid === req.portUuid);
      if (!port) throw new BadRequestError(`Unable to attach VIF ${req.id}: port ${req.portUuid} is not a port of this node.`);
      if (!free(port))
        throw new BadRequestError(
          `Unable to attach VIF ${req.id}: port ${port.uuid} already has VIF ${vifOf(port.internalInfo)} attached.`,
        );
      return { kind: 'port', row: port };
    }
    if (req.portgroupUuid !== undefined) {
      const pg = groups.find((g) => g.uuid === req.portgroupUuid);
      if (!pg)
        throw new BadRequestError(`Unable to attach VIF ${req.id}: port group ${req.portgroupUuid} is not a port group of this node.`);
      if (!free(pg))
        throw new BadRequestError(
          `Unable to attach VIF ${req.id}: port group ${pg.uuid} already has VIF ${vifOf(pg.internalInfo)} attached.`,
        );
      return { kind: 'portgroup', row: pg };
    }
    // A group without member ports has nothing to carry traffic, so it is not free.
    const group = groups.find((g) => free(g) && ports.some((p) => p.portgroupUuid === g.uuid));
    if (group) return { kind: 'portgroup', row: group };
    const standalone = ports.filter((p) => p.portgroupUuid === null && free(p));
    const port = standalone.find((p) => p.pxeEnabled) ?? standalone[0];
    if (port) return { kind: 'port', row: port };
    throw new BadRequestError(
      `Unable to attach VIF ${req.id}, not enough free physical ports. Node has ${ports.length} port(s) and ${groups.length} port group(s); add a port or detach a VIF.`,
    );
  }

  private async record(node: Node, slot: Slot, vif: string | undefined, ctx: RequestContext, event: string): Promise<void> {
    const { row } = slot;
    const data = { internalInfo: withVif(row.internalInfo, vif), updatedAt: new Date() };
    await this.db.$transaction(async (tx) => {
      const where = { id: row.id, internalInfo: row.internalInfo };
      const n =
        slot.kind === 'port' ? (await tx.port.updateMany({ where, data })).count : (await tx.portgroup.updateMany({ where, data })).count;
      if (n !== 1)
        throw new ConflictError(`The ${slot.kind} ${row.uuid} of node ${node.uuid} changed while its VIF was being recorded; retry.`);
      await writeHistory(tx, {
        nodeId: node.id,
        nodeUuid: node.uuid,
        eventType: 'network',
        actor: ctx.actor,
        requestId: ctx.requestId,
        event,
      });
    });
  }

  async attach(node: Node, req: VifAttachRequest, ctx: RequestContext): Promise<void> {
    this.checkNetwork(node);
    await this.lock.assertUnlocked(node);
    const { ports, groups } = await this.slots(node);
    const holder = [...ports.map((r) => ({ kind: 'port', r })), ...groups.map((r) => ({ kind: 'portgroup', r }))].find(
      (h) => vifOf(h.r.internalInfo) === req.id,
    );
    if (holder)
      throw new ConflictError(`Unable to attach VIF because VIF ${req.id} is already attached to Ironic ${holder.kind} ${holder.r.uuid}`);
    const slot = this.choose(req, ports, groups);
    await this.record(node, slot, req.id, ctx, `VIF ${req.id} attached to ${slot.kind} ${slot.row.uuid}`);
  }

  async detach(node: Node, vif: string, ctx: RequestContext): Promise<void> {
    await this.lock.assertUnlocked(node);
    const { ports, groups } = await this.slots(node);
    const port = ports.find((p) => vifOf(p.internalInfo) === vif);
    const group = groups.find((g) => vifOf(g.internalInfo) === vif);
    const slot: Slot | undefined = port ? { kind: 'port', row: port } : group ? { kind: 'portgroup', row: group } : undefined;
    if (!slot) throw new BadRequestError(`Unable to detach VIF ${vif} from node ${node.uuid} because it is not attached to it.`);
    await this.record(node, slot, undefined, ctx, `VIF ${vif} detached from ${slot.kind} ${slot.row.uuid}`);
  }
}
