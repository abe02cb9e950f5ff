// Port groups: bonds of a node's ports (1.23). A group's MAC, when it has one, is unique
// among groups; a port joins a group of its own node; a group with ports cannot be deleted.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Node, Portgroup } from '#prisma/generated/sqlite/client';
import { writeHistory } from '#prisma/node-operations';
import { nodeScope, requireAdmin } from '../common/access';
import { BadRequestError, ConflictError, NotFoundError } from '../common/errors';
import { isUuidLike, normalizeUuid, readUuid, type Json } from '../common/input';
import { applyPatch, type PatchOp } from '../common/json-patch';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { Store } from '../infra/store';
import { parseJson } from '../nodes/node-view';
import type { Page } from '../nodes/nodes.service';
import {
  PORTGROUP_PATCH_KEYS,
  PORTGROUP_SORTABLE,
  portgroupColumns,
  type PortgroupColumns,
  type PortgroupCreateRequest,
  type PortgroupListQuery,
} from './portgroup-request';
import { portgroupView } from './portgroup-view';
import { vifOf } from '../vifs/vif-record';

export type PortgroupWithNode = Portgroup & { node: Node };

export class PortgroupNotFoundError extends NotFoundError {
  constructor(ident: string) {
    super(`Portgroup ${ident} could not be found.`);
  }
}

@Injectable()
export class PortgroupsService {
  constructor(
    private readonly store: Store,
    private readonly lock: NodeLock,
  ) {}

  private get db() {
    return this.store.db;
  }

  view(pg: PortgroupWithNode, base: string, apiMinor: number, fields?: readonly string[]) {
    return portgroupView(pg, pg.node.uuid, base, apiMinor, fields);
  }

  private duplicate(e: unknown, cols: PortgroupColumns, uuid: string): never {
    const err = e as {
      code?: string;
      meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } };
    };
    if (err?.code === 'P2002') {
      const t = err.meta?.target ?? err.meta?.driverAdapterError?.cause?.constraint?.fields ?? [];
      const fields = (Array.isArray(t) ? t : [t]).map(String);
      if (fields.some((f) => f.includes('name'))) throw new ConflictError(`A portgroup with name ${cols.name} already exists.`);
      if (fields.some((f) => f.includes('address')))
        throw new ConflictError(`A portgroup with MAC address ${cols.address} already exists.`);
      throw new ConflictError(`A portgroup with UUID ${uuid} already exists.`);
    }
    throw e;
  }

  /** A group by UUID or name, if its node is in the request's scope (else 404, as if it did not exist). */
  async get(ident: string, ctx: RequestContext): Promise<PortgroupWithNode> {
    const where = isUuidLike(ident) ? { uuid: normalizeUuid(ident) } : { name: ident };
    const pg = await this.db.portgroup.findFirst({ where: { ...where, node: nodeScope(ctx) }, include: { node: true } });
    if (!pg) throw new PortgroupNotFoundError(ident);
    return pg;
  }

  /** The node a group is to belong to: one outside the scope is as unknown as a missing one (400, as Ironic). */
  private async groupNode(uuid: string, ctx: RequestContext): Promise<Node> {
    const node = await this.db.node.findFirst({ where: { uuid, ...nodeScope(ctx) } });
    if (!node) throw new BadRequestError(`Node ${uuid} could not be found.`);
    return node;
  }

  private data(cols: PortgroupColumns, nodeId: number) {
    return {
      name: cols.name,
      address: cols.address,
      nodeId,
      standalonePortsSupported: cols.standalonePortsSupported,
      mode: cols.mode,
      properties: JSON.stringify(cols.properties),
      extra: JSON.stringify(cols.extra),
    };
  }

  async create(request: PortgroupCreateRequest, ctx: RequestContext): Promise<PortgroupWithNode> {
    const uuid = request.uuid ?? crypto.randomUUID();
    const cols = request.columns;
    const node = await this.groupNode(cols.nodeUuid, ctx);
    // Like ports, a group is cabling (its MAC gets DHCP and PXE entries): admins enroll them.
    requireAdmin(ctx, 'create port groups (cabling decides which machine netboots)');
    await this.lock.assertUnlocked(node);
    try {
      return await this.db.$transaction(async (tx) => {
        const pg = await tx.portgroup.create({
          data: { uuid, ...this.data(cols, node.id), createdAt: new Date() },
          include: { node: true },
        });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'inventory',
          actor: ctx.actor,
          requestId: ctx.requestId,
          event: `Port group ${uuid}${cols.address ? ` (${cols.address})` : ''} created`,
        });
        return pg;
      });
    } catch (e) {
      this.duplicate(e, cols, uuid);
    }
  }

  /** `node` is the one `q.node` names, found in the request's scope. */
  async list(q: PortgroupListQuery, node: Node | undefined, base: string, ctx: RequestContext, apiMinor: number): Promise<Page> {
    const scope = nodeScope(ctx);
    const where: Record<string, unknown> = { node: scope };
    if (node) where.nodeId = node.id;
    if (q.address !== undefined) where.address = q.address;
    const { limit, sortKey, sortDir, marker, fields } = q;
    if (marker && !(await this.db.portgroup.findFirst({ where: { uuid: marker, node: scope }, select: { id: true } })))
      throw new PortgroupNotFoundError(marker);
    const rows = await this.db.portgroup.findMany({
      where,
      include: { node: true },
      orderBy: sortKey === 'id' ? [{ id: sortDir }] : [{ [PORTGROUP_SORTABLE[sortKey]]: sortDir }, { id: sortDir }],
      take: limit,
      ...(marker ? { cursor: { uuid: marker }, skip: 1 } : {}),
    });
    const shown = q.detail ? undefined : (fields ?? ['uuid', 'address', 'name']);
    const items = rows.map((pg) => this.view(pg, base, apiMinor, shown));
    if (rows.length < limit) return { items };
    return { items, next: { ...q.carry, sort_key: sortKey, sort_dir: sortDir, limit: String(limit), marker: rows[rows.length - 1].uuid } };
  }

  async patch(pg: PortgroupWithNode, ops: PatchOp[], ctx: RequestContext): Promise<PortgroupWithNode> {
    const current: Json = {
      name: pg.name,
      address: pg.address,
      node_uuid: pg.node.uuid,
      standalone_ports_supported: pg.standalonePortsSupported,
      mode: pg.mode,
      properties: parseJson(pg.properties),
      extra: parseJson(pg.extra),
    };
    const cols = portgroupColumns(applyPatch(current, ops, PORTGROUP_PATCH_KEYS));
    requireAdmin(ctx, 'change port groups');
    const node = cols.nodeUuid === pg.node.uuid ? pg.node : await this.groupNode(cols.nodeUuid, ctx);
    await this.lock.assertUnlocked(pg.node);
    const members = await this.db.port.findMany({ where: { portgroupUuid: pg.uuid }, select: { uuid: true, pxeEnabled: true } });
    if (node.id !== pg.node.id && members.length) throw this.notEmpty(pg.uuid, members.length);
    const pxe = members.filter((p) => p.pxeEnabled);
    if (!cols.standalonePortsSupported && pg.standalonePortsSupported && pxe.length)
      throw new ConflictError(
        `Port group ${pg.uuid}: standalone_ports_supported cannot be false while member port(s) ${pxe.map((p) => p.uuid).join(', ')} have pxe_enabled; disable PXE on them first.`,
      );
    if (cols.address !== pg.address && vifOf(pg.internalInfo) && !pg.node.maintenance)
      throw new ConflictError(
        `Cannot change the MAC address of port group ${pg.uuid} while VIF ${vifOf(pg.internalInfo)} is attached to it; detach it first.`,
      );
    try {
      return await this.db.$transaction(async (tx) => {
        const updated = await tx.portgroup.update({
          where: { id: pg.id },
          data: { ...this.data(cols, node.id), updatedAt: new Date() },
          include: { node: true },
        });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'inventory',
          actor: ctx.actor,
          requestId: ctx.requestId,
          event: `Port group ${pg.uuid} updated: ${ops.map((o) => `${o.op} ${o.path}`).join(', ')}`,
        });
        return updated;
      });
    } catch (e) {
      this.duplicate(e, cols, pg.uuid);
    }
  }

  private notEmpty(uuid: string, ports: number): BadRequestError {
    return new BadRequestError(
      `Cannot complete the requested action because portgroup ${uuid} contains ports (${ports}); move or delete them first.`,
    );
  }

  async delete(pg: PortgroupWithNode, ctx: RequestContext): Promise<void> {
    requireAdmin(ctx, 'delete port groups');
    await this.lock.assertUnlocked(pg.node);
    const members = await this.db.port.count({ where: { portgroupUuid: pg.uuid } });
    if (members) throw this.notEmpty(pg.uuid, members);
    const vif = vifOf(pg.internalInfo);
    if (vif && !pg.node.maintenance)
      throw new ConflictError(`Cannot delete port group ${pg.uuid}: VIF ${vif} is attached to it; detach it first (or set maintenance).`);
    await this.db.$transaction(async (tx) => {
      // Counted again inside the transaction, so a port joining meanwhile cannot be orphaned.
      const ports = await tx.port.count({ where: { portgroupUuid: pg.uuid } });
      if (ports) throw this.notEmpty(pg.uuid, ports);
      await tx.portgroup.delete({ where: { id: pg.id } });
      await writeHistory(tx, {
        nodeId: pg.node.id,
        nodeUuid: pg.node.uuid,
        eventType: 'inventory',
        actor: ctx.actor,
        requestId: ctx.requestId,
        event: `Port group ${pg.uuid} deleted`,
      });
    });
  }

  /** A port's group for its portgroup_uuid (400 when unknown, as Ironic answers for a port's references). */
  async forPort(uuidText: unknown, ctx: RequestContext): Promise<Portgroup> {
    const uuid = readUuid(uuidText, 'portgroup_uuid');
    const pg = await this.db.portgroup.findFirst({ where: { uuid, node: nodeScope(ctx) } });
    if (!pg) throw new BadRequestError(`Portgroup ${uuid} could not be found.`);
    return pg;
  }
}
