// Ports: a node's NICs (the MACs that PXE-boot). MACs are unique across all ports.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Node, Port } from '../../../../prisma/generated/sqlite/client';
import { writeHistory } from '../../../../prisma/node-operations';
import { nodeScope, requireAdmin, type NodeScope } from '../common/access';
import { BadRequestError, ConflictError, ForbiddenError, PortNotFoundError } from '../common/errors';
import { readMac, readUuid, rejectUnknownKeys, requireObjectBody, type Json } from '../common/input';
import { applyPatch, parsePatch } from '../common/json-patch';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { findNode } from '../nodes/node-lookup';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';
import { parseJson } from '../nodes/node-view';
import type { Page } from '../nodes/nodes.service';
import { PORT_CREATE_KEYS, PORT_PATCH_KEYS, portColumns, type PortColumns } from './port-fields';
import { PORT_FIELDS, portView } from './port-view';

const CONFIG_STATES = ['enroll', 'inspecting', 'inspect wait', 'manageable'];
const SORTABLE: Record<string, string> = { id: 'id', uuid: 'uuid', address: 'address', created_at: 'createdAt', updated_at: 'updatedAt', pxe_enabled: 'pxeEnabled' };

type PortWithNode = Port & { node: Node };

@Injectable()
export class PortsService {
  constructor(private readonly store: Store, private readonly settings: ApiSettings, private readonly lock: NodeLock) {}

  private get db() {
    return this.store.db;
  }

  private duplicateMac(e: unknown, address: string): never {
    if ((e as { code?: string })?.code === 'P2002') throw new ConflictError(`A port with MAC address ${address} already exists.`);
    throw e;
  }

  view(p: PortWithNode, base: string, fields?: readonly string[]) {
    return portView(p, p.node.uuid, base, fields);
  }

  /** A port, if its node is in the request's scope (else 404, as if it did not exist). */
  async get(id: string, ctx: RequestContext): Promise<PortWithNode> {
    const uuid = readUuid(id, 'port_uuid');
    const port = await this.db.port.findFirst({ where: { uuid, node: nodeScope(ctx) }, include: { node: true } });
    if (!port) throw new PortNotFoundError(id);
    return port;
  }

  /** The node a port is to belong to; one outside the scope is as unknown as a missing one (400, as Ironic). */
  private async portNode(nodeUuid: string, scope: NodeScope): Promise<Node> {
    const node = await this.db.node.findFirst({ where: { uuid: nodeUuid, ...scope } });
    if (!node) throw new BadRequestError(`Node ${nodeUuid} could not be found.`);
    return node;
  }

  private data(cols: PortColumns, nodeId: number) {
    return {
      address: cols.address, nodeId, pxeEnabled: cols.pxeEnabled, extra: JSON.stringify(cols.extra),
      localLinkConnection: JSON.stringify(cols.localLinkConnection), physicalNetwork: cols.physicalNetwork, isSmartnic: cols.isSmartnic,
    };
  }

  async create(body: unknown, ctx: RequestContext): Promise<PortWithNode> {
    const doc = requireObjectBody(body, 'port');
    rejectUnknownKeys(doc, PORT_CREATE_KEYS, 'port');
    const uuid = doc.uuid === undefined ? crypto.randomUUID() : readUuid(doc.uuid, 'uuid');
    const cols = portColumns(doc);
    const node = await this.portNode(cols.nodeUuid, nodeScope(ctx));
    // A port is cabling: its MAC gets PXE and DHCP entries during a deploy, so a tenant
    // adding one could netboot a machine it does not own. Ports are enrolled by admins.
    requireAdmin(ctx, 'enroll ports (a MAC decides which machine netboots)');
    await this.lock.assertUnlocked(node);
    try {
      return await this.db.$transaction(async (tx) => {
        const port = await tx.port.create({ data: { uuid, ...this.data(cols, node.id), createdAt: new Date() }, include: { node: true } });
        await writeHistory(tx, { nodeId: node.id, nodeUuid: node.uuid, eventType: 'inventory', actor: ctx.actor, requestId: ctx.requestId, event: `Port ${uuid} (${cols.address}) created` });
        return port;
      });
    } catch (e) {
      this.duplicateMac(e, cols.address);
    }
  }

  async list(query: Record<string, unknown>, base: string, detailPath: boolean, ctx: RequestContext, nodeIdent?: string): Promise<Page> {
    const known = ['node', 'node_uuid', 'address', 'portgroup', 'limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'];
    const unknown = Object.keys(query).filter((k) => !known.includes(k));
    if (unknown.length) throw new BadRequestError(`Unknown query parameter(s): ${unknown.join(', ')}. Filters: node, node_uuid, address.`);
    const s = (k: string) => (typeof query[k] === 'string' ? (query[k] as string) : undefined);
    if ((s('node') || s('node_uuid')) && s('portgroup')) throw new ForbiddenError('Filter by node or by port group, not both.');
    const scope = nodeScope(ctx);
    // Only ports of nodes in scope, joined in the query (pages stay full under filtering).
    const where: Record<string, unknown> = { node: scope };
    const ident = nodeIdent ?? s('node') ?? s('node_uuid');
    if (ident !== undefined) where.nodeId = (await findNode(this.db, ident, scope)).id;
    if (s('portgroup') !== undefined) where.id = -1;
    const address = s('address');
    if (address !== undefined) where.address = readMac(address);
    const detail = detailPath || s('detail')?.toLowerCase() === 'true';
    const fields = parseFields(s('fields'), PORT_FIELDS);
    if (fields && detail) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
    const limit = parseLimit(s('limit'), this.settings.maxLimit);
    const sortKey = s('sort_key') ?? 'id';
    if (!SORTABLE[sortKey]) throw new BadRequestError(`The sort_key value ${sortKey} is an invalid field for sorting. Sortable: ${Object.keys(SORTABLE).join(', ')}.`);
    const sortDir = parseSortDir(s('sort_dir'));
    const marker = s('marker') === undefined ? undefined : readUuid(s('marker'), 'marker');
    if (marker && !(await this.db.port.findFirst({ where: { uuid: marker, node: scope }, select: { id: true } }))) throw new PortNotFoundError(marker);
    const rows = await this.db.port.findMany({
      where,
      include: { node: true },
      orderBy: sortKey === 'id' ? [{ id: sortDir }] : [{ [SORTABLE[sortKey]]: sortDir }, { id: sortDir }],
      take: limit,
      ...(marker ? { cursor: { uuid: marker }, skip: 1 } : {}),
    });
    const shown = detail ? undefined : (fields ?? ['uuid', 'address']);
    const items = rows.map((p) => this.view(p, base, shown));
    if (rows.length === 0 || rows.length < limit) return { items };
    const next: Record<string, string> = { sort_key: sortKey, sort_dir: sortDir, limit: String(limit), marker: rows[rows.length - 1].uuid };
    if (fields) next.fields = fields.join(',');
    if (s('node')) next.node = s('node') as string;
    if (s('node_uuid')) next.node_uuid = s('node_uuid') as string;
    if (address) next.address = address;
    return { items, next };
  }

  async patch(id: string, body: unknown, ctx: RequestContext): Promise<PortWithNode> {
    const port = await this.get(id, ctx);
    const ops = parsePatch(body);
    const current: Json = {
      address: port.address, node_uuid: port.node.uuid, extra: parseJson(port.extra), local_link_connection: parseJson(port.localLinkConnection),
      pxe_enabled: port.pxeEnabled, physical_network: port.physicalNetwork, portgroup_uuid: null, is_smartnic: port.isSmartnic,
    };
    const cols = portColumns(applyPatch(current, ops, PORT_PATCH_KEYS));
    const node = cols.nodeUuid === port.node.uuid ? port.node : await this.portNode(cols.nodeUuid, nodeScope(ctx));
    const cabling = cols.address !== port.address || node.id !== port.node.id || cols.pxeEnabled !== port.pxeEnabled || cols.isSmartnic !== port.isSmartnic ||
      cols.physicalNetwork !== port.physicalNetwork || JSON.stringify(cols.localLinkConnection) !== port.localLinkConnection;
    if (cabling) requireAdmin(ctx, "change a port's MAC, node, PXE or network fields (members may edit extra)");
    await this.lock.assertUnlocked(port.node);
    const n = port.node;
    if (cols.address !== port.address && !n.maintenance && (n.provisionState === 'active' || n.instanceUuid)) {
      throw new ConflictError(`Cannot change the MAC address of port ${port.uuid}: node ${n.uuid} is active; set maintenance first.`);
    }
    const configChanged = cols.pxeEnabled !== port.pxeEnabled || JSON.stringify(cols.localLinkConnection) !== port.localLinkConnection || cols.physicalNetwork !== port.physicalNetwork;
    if (configChanged && !n.maintenance && !CONFIG_STATES.includes(n.provisionState)) {
      throw new ConflictError(`Port ${port.uuid}: pxe_enabled, local_link_connection and physical_network can only change while node ${n.uuid} is in ${CONFIG_STATES.join(', ')} or in maintenance (it is "${n.provisionState}").`);
    }
    try {
      return await this.db.$transaction(async (tx) => {
        const updated = await tx.port.update({ where: { id: port.id }, data: { ...this.data(cols, node.id), updatedAt: new Date() }, include: { node: true } });
        await writeHistory(tx, { nodeId: node.id, nodeUuid: node.uuid, eventType: 'inventory', actor: ctx.actor, requestId: ctx.requestId, event: `Port ${port.uuid} updated: ${ops.map((o) => `${o.op} ${o.path}`).join(', ')}` });
        return updated;
      });
    } catch (e) {
      this.duplicateMac(e, cols.address);
    }
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    const port = await this.get(id, ctx);
    requireAdmin(ctx, 'delete ports');
    await this.lock.assertUnlocked(port.node);
    await this.db.$transaction(async (tx) => {
      await tx.port.delete({ where: { id: port.id } });
      await writeHistory(tx, { nodeId: port.node.id, nodeUuid: port.node.uuid, eventType: 'inventory', actor: ctx.actor, requestId: ctx.requestId, event: `Port ${port.uuid} (${port.address}) deleted` });
    });
  }
}

