// Ports: a node's NICs (the MACs that PXE-boot). MACs are unique across all ports.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Node, Port, Portgroup } from '#prisma/generated/sqlite/client';
import { historyRow, writeHistory } from '#prisma/node-operations';
import { insertPortWithHistory } from '#prisma/raw-rows';
import { asProvisionState, type ProvisionState } from '#workflows/contracts/states';
import { nodeScope, requireAdmin, requireOwner, type NodeScope } from '../common/access';
import { BadRequestError, ConflictError, PortNotFoundError } from '../common/errors';
import { isUuidLike, normalizeUuid, readUuid, type Json } from '../common/input';
import { applyPatch, type PatchOp } from '../common/json-patch';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { Store } from '../infra/store';
import { parseJson } from '../nodes/node-view';
import type { Page } from '../nodes/nodes.service';
import { PORT_PATCH_KEYS, portColumns, type PortColumns } from './port-fields';
import { PORT_SORTABLE, type PortCreateRequest, type PortListFilter, type PortListPage } from './port-request';
import { PORT_FIELD_VERSIONS, portView } from './port-view';
import { vifOf } from '../vifs/vif-record';
import { uniqueViolation } from '../common/unique-violation';

const CONFIG_STATES: readonly ProvisionState[] = ['enroll', 'inspecting', 'inspect wait', 'manageable'];

type PortWithNode = Port & { node: Node };

@Injectable()
export class PortsService {
  constructor(
    private readonly store: Store,
    private readonly lock: NodeLock,
  ) {}

  private get db() {
    return this.store.db;
  }

  private duplicate(e: unknown, cols: PortColumns): never {
    const fields = uniqueViolation(e);
    if (fields !== undefined) {
      if (fields.some((f) => f.includes('name')) && cols.name !== null)
        throw new ConflictError(`A port with name ${cols.name} already exists.`);
      throw new ConflictError(`A port with MAC address ${cols.address} already exists.`);
    }
    throw e;
  }

  view(p: PortWithNode, base: string, apiMinor: number, fields?: readonly string[]) {
    return portView(p, p.node.uuid, base, apiMinor, fields);
  }

  /** A port by UUID (or, from 1.88, by name), if its node is in the request's scope (else 404, as if it did not exist). */
  async get(id: string, ctx: RequestContext, apiMinor: number): Promise<PortWithNode> {
    const byName = apiMinor >= PORT_FIELD_VERSIONS.name && !isUuidLike(id);
    const where = byName ? { name: id } : { uuid: readUuid(id, 'port_uuid') };
    const port = await this.db.port.findFirst({ where: { ...where, node: nodeScope(ctx) }, include: { node: true } });
    if (!port) throw new PortNotFoundError(id);
    return port;
  }

  /** The node a port is to belong to (UUID, or a name via node_ident); one outside the scope is as unknown as a missing one (400, as Ironic). */
  private async portNode(ident: string, scope: NodeScope): Promise<Node> {
    const node = isUuidLike(ident)
      ? await this.db.node.findFirst({ where: { uuid: normalizeUuid(ident), ...scope } })
      : await this.db.node.findFirst({ where: { name: ident, ...scope } });
    if (!node) throw new BadRequestError(`Node ${ident} could not be found.`);
    return node;
  }

  /**
   * A port's group (1.24) must exist, be on the port's own node, and take a PXE port only when it
   * supports standalone ports (Ironic's rule: a PXE-booting member would be used on its own).
   */
  private async checkGroup(cols: PortColumns, node: Node, scope: NodeScope): Promise<void> {
    if (cols.portgroupUuid === null) return;
    const pg = await this.db.portgroup.findFirst({ where: { uuid: cols.portgroupUuid, node: scope } });
    if (!pg) throw new BadRequestError(`Portgroup ${cols.portgroupUuid} could not be found.`);
    if (pg.nodeId !== node.id)
      throw new BadRequestError(
        `Port group ${pg.uuid} is on another node than ${node.uuid}: a port can only join a port group of its own node.`,
      );
    if (!pg.standalonePortsSupported && cols.pxeEnabled)
      throw new ConflictError(
        `Port group ${pg.uuid} doesn't support standalone ports. This port cannot be a member of that port group because 'pxe_enabled' was set to True.`,
      );
  }

  private data(cols: PortColumns, nodeId: number) {
    return {
      address: cols.address,
      name: cols.name,
      nodeId,
      pxeEnabled: cols.pxeEnabled,
      extra: JSON.stringify(cols.extra),
      localLinkConnection: JSON.stringify(cols.localLinkConnection),
      physicalNetwork: cols.physicalNetwork,
      isSmartnic: cols.isSmartnic,
      portgroupUuid: cols.portgroupUuid,
    };
  }

  async create(request: PortCreateRequest, ctx: RequestContext): Promise<PortWithNode> {
    const uuid = request.uuid ?? crypto.randomUUID();
    const cols = request.columns;
    const node = await this.portNode(cols.nodeUuid, nodeScope(ctx));
    // A port is cabling: its MAC gets PXE and DHCP entries during a deploy, so a tenant
    // adding one could netboot a machine it does not own. Ports are enrolled by admins.
    requireAdmin(ctx, 'enroll ports (a MAC decides which machine netboots)');
    await this.checkGroup(cols, node, nodeScope(ctx));
    await this.lock.assertUnlocked(node);
    const now = new Date();
    try {
      // Two plain INSERTs in one transaction (raw-rows.ts): enrollment is the hot write path.
      const port = await insertPortWithHistory(
        this.db,
        { uuid, ...this.data(cols, node.id), createdAt: now },
        historyRow(
          {
            nodeUuid: node.uuid,
            eventType: 'inventory',
            actor: ctx.actor,
            requestId: ctx.requestId,
            event: `Port ${uuid} (${cols.address}) created`,
          },
          now,
        ),
      );
      return { ...port, node };
    } catch (e) {
      this.duplicate(e, cols);
    }
  }

  /** `node` is the one `filter.node` names and `group` the one `filter.portgroupIdent` names, found in the request's scope. */
  async list(
    filter: PortListFilter,
    node: Node | undefined,
    page: PortListPage,
    base: string,
    ctx: RequestContext,
    apiMinor: number,
    group?: Pick<Portgroup, 'uuid'>,
  ): Promise<Page> {
    const scope = nodeScope(ctx);
    // Only ports of nodes in scope, joined in the query (pages stay full under filtering).
    const where: Record<string, unknown> = { node: filter.shards ? { AND: [scope, { shard: { in: filter.shards } }] } : scope };
    if (node) where.nodeId = node.id;
    if (group) where.portgroupUuid = group.uuid;
    else if (filter.portgroup) where.id = -1;
    if (page.address !== undefined) where.address = page.address;
    const { limit, sortKey, sortDir, marker, fields } = page;
    if (marker && !(await this.db.port.findFirst({ where: { uuid: marker, node: scope }, select: { id: true } })))
      throw new PortNotFoundError(marker);
    const rows = await this.db.port.findMany({
      where,
      include: { node: true },
      orderBy: sortKey === 'id' ? [{ id: sortDir }] : [{ [PORT_SORTABLE[sortKey]]: sortDir }, { id: sortDir }],
      take: limit,
      ...(marker ? { cursor: { uuid: marker }, skip: 1 } : {}),
    });
    const shown = page.detail ? undefined : (fields ?? ['uuid', 'address']);
    const items = rows.map((p) => this.view(p, base, apiMinor, shown));
    if (rows.length === 0 || rows.length < limit) return { items };
    const next: Record<string, string> = { sort_key: sortKey, sort_dir: sortDir, limit: String(limit), marker: rows[rows.length - 1].uuid };
    if (fields) next.fields = fields.join(',');
    if (filter.nodeParam) next.node = filter.nodeParam;
    if (filter.nodeUuidParam) next.node_uuid = filter.nodeUuidParam;
    if (page.addressText) next.address = page.addressText;
    if (filter.shardParam) next.shard = filter.shardParam;
    if (filter.portgroupIdent) next.portgroup = filter.portgroupIdent;
    return { items, next };
  }

  /** `port` is found in the request's scope (get). */
  async patch(port: PortWithNode, ops: PatchOp[], ctx: RequestContext): Promise<PortWithNode> {
    const current: Json = {
      address: port.address,
      name: port.name,
      node_uuid: port.node.uuid,
      extra: parseJson(port.extra),
      local_link_connection: parseJson(port.localLinkConnection),
      pxe_enabled: port.pxeEnabled,
      physical_network: port.physicalNetwork,
      portgroup_uuid: port.portgroupUuid,
      is_smartnic: port.isSmartnic,
    };
    requireOwner(ctx, port.node, 'change its ports');
    const cols = portColumns(applyPatch(current, ops, PORT_PATCH_KEYS));
    const node = cols.nodeUuid === port.node.uuid ? port.node : await this.portNode(cols.nodeUuid, nodeScope(ctx));
    const cabling =
      cols.address !== port.address ||
      node.id !== port.node.id ||
      cols.pxeEnabled !== port.pxeEnabled ||
      cols.isSmartnic !== port.isSmartnic ||
      cols.physicalNetwork !== port.physicalNetwork ||
      cols.portgroupUuid !== port.portgroupUuid ||
      JSON.stringify(cols.localLinkConnection) !== port.localLinkConnection;
    if (cabling) requireAdmin(ctx, "change a port's MAC, node, PXE or network fields (members may edit extra)");
    if (cols.portgroupUuid !== port.portgroupUuid || node.id !== port.node.id || cols.pxeEnabled !== port.pxeEnabled)
      await this.checkGroup(cols, node, nodeScope(ctx));
    await this.lock.assertUnlocked(port.node);
    const n = port.node;
    if (cols.address !== port.address && !n.maintenance && (n.provisionState === 'active' || n.instanceUuid)) {
      throw new ConflictError(`Cannot change the MAC address of port ${port.uuid}: node ${n.uuid} is active; set maintenance first.`);
    }
    const configChanged =
      cols.pxeEnabled !== port.pxeEnabled ||
      JSON.stringify(cols.localLinkConnection) !== port.localLinkConnection ||
      cols.physicalNetwork !== port.physicalNetwork ||
      cols.portgroupUuid !== port.portgroupUuid;
    if (configChanged && !n.maintenance && !CONFIG_STATES.includes(asProvisionState(n.provisionState))) {
      throw new ConflictError(
        `Port ${port.uuid}: pxe_enabled, local_link_connection, physical_network and portgroup_uuid can only change while node ${n.uuid} is in ${CONFIG_STATES.join(', ')} or in maintenance (it is "${n.provisionState}").`,
      );
    }
    try {
      return await this.db.$transaction(async (tx) => {
        const updated = await tx.port.update({
          where: { id: port.id },
          data: { ...this.data(cols, node.id), updatedAt: new Date() },
          include: { node: true },
        });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'inventory',
          actor: ctx.actor,
          requestId: ctx.requestId,
          event: `Port ${port.uuid} updated: ${ops.map((o) => `${o.op} ${o.path}`).join(', ')}`,
        });
        return updated;
      });
    } catch (e) {
      this.duplicate(e, cols);
    }
  }

  async delete(id: string, ctx: RequestContext, apiMinor: number): Promise<void> {
    const port = await this.get(id, ctx, apiMinor);
    requireAdmin(ctx, 'delete ports');
    await this.lock.assertUnlocked(port.node);
    const vif = vifOf(port.internalInfo);
    if (vif && !port.node.maintenance)
      throw new ConflictError(`Cannot delete port ${port.uuid}: VIF ${vif} is attached to it; detach it first (or set maintenance).`);
    await this.db.$transaction(async (tx) => {
      await tx.port.delete({ where: { id: port.id } });
      await writeHistory(tx, {
        nodeId: port.node.id,
        nodeUuid: port.node.uuid,
        eventType: 'inventory',
        actor: ctx.actor,
        requestId: ctx.requestId,
        event: `Port ${port.uuid} (${port.address}) deleted`,
      });
    });
  }
}
