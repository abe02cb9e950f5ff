// Node inventory: create, list, show, JSON-Patch, delete. Decides; never speaks HTTP.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Node } from '#prisma/generated/sqlite/client';
import { historyRow, writeHistory } from '#prisma/node-operations';
import { insertNodeWithHistory } from '#prisma/raw-rows';
import { asProvisionState, DELETE_ALLOWED_STATES, UPDATE_ALLOWED_STATES } from '#workflows/contracts/states';
import { checkLesseePatch, checkMemberPatch, isLesseeOnly, nodeScope, requireAdmin } from '../common/access';
import { BadRequestError, ConflictError, ForbiddenError, NodeNotFoundError } from '../common/errors';
import type { Json } from '../common/input';
import { applyPatch, type PatchOp } from '../common/json-patch';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { ConductorsService } from '../conductors/conductors.service';
import { uniqueViolation } from '../common/unique-violation';
import { NODE_PATCH_KEYS, nodeColumns, type NodeColumns } from './node-fields';
import { findNode } from './node-lookup';
import { findMarker, selectNodeRows } from './node-rows';
import { SORTABLE, type NodeListQuery } from './node-list-query';
import type { NodeCreateRequest } from './node-request';
import { DEFAULT_LIST_FIELDS, nodePatchDocument, nodeView, parseJson } from './node-view';

export interface Page {
  items: Record<string, unknown>[];
  /** Query for the next page, or undefined on the last page. */
  next?: Record<string, string>;
}

/** Ironic's rules for `retired`: not settable on an available node (409); a reason only with retired set (400). */
function checkRetired(cols: NodeColumns, provisionState: string, uuid: string): void {
  if (cols.retired && provisionState === 'available') {
    throw new ConflictError(
      `Node ${uuid} can not have 'retired' set in provision state 'available', the current state is '${provisionState}'. Move it to manageable first (target "manage").`,
    );
  }
  if (cols.retiredReason && !cols.retired) {
    throw new BadRequestError('The retired_reason field can only be set when retired is True.');
  }
}

@Injectable()
export class NodesService {
  constructor(
    private readonly store: Store,
    private readonly settings: ApiSettings,
    private readonly lock: NodeLock,
    private readonly conductors: ConductorsService,
  ) {}

  private get db() {
    return this.store.db;
  }

  /** `created`: the node was inserted by this request just now, so it holds no lock and has no traits yet. */
  async view(
    node: Node,
    base: string,
    apiMinor: number,
    ctx: RequestContext,
    fields?: readonly string[],
    created = false,
  ): Promise<Record<string, unknown>> {
    const res = created ? new Map<number, string>() : await this.lock.holders([node.id]);
    const traits = created ? new Map<number, string[]>() : await this.traitsOf([node.id]);
    const conductor = await this.conductorOf(node.conductorGroup, apiMinor);
    return nodeView(
      node,
      {
        base,
        reservation: res.get(node.id) ?? null,
        conductor,
        apiMinor,
        traits: traits.get(node.id) ?? [],
        lesseeView: isLesseeOnly(ctx, node),
      },
      fields,
    );
  }

  /** The node's `conductor` (1.49): a live worker serving its group, or null (also when Temporal cannot say). */
  private async conductorOf(group: string, apiMinor: number): Promise<string | null> {
    if (apiMinor < 49) return null;
    return this.conductors.forGroup(group).catch(() => null);
  }

  /** Each node's traits, sorted (nodes without any are absent). */
  private async traitsOf(ids: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (!ids.length) return out;
    // A range, not one parameter per node: a page of 1000 would pass SQLite's 999-parameter limit.
    const wanted = new Set(ids);
    const rows = await this.db.nodeTrait.findMany({
      where: { nodeId: { gte: Math.min(...ids), lte: Math.max(...ids) } },
      orderBy: { trait: 'asc' },
    });
    for (const r of rows) if (wanted.has(r.nodeId)) out.set(r.nodeId, [...(out.get(r.nodeId) ?? []), r.trait]);
    return out;
  }

  /** parent_node as sent (UUID or name) to the parent's UUID: 400 when it names no visible node, or the node itself. */
  private async parentUuid(ident: string | null, ctx: RequestContext, self?: string): Promise<string | null> {
    if (ident === null) return null;
    const invalid = new BadRequestError(
      `Unable to apply the requested parent_node '${ident}'. Requested value was invalid: name an existing node (UUID or name) other than the node itself.`,
    );
    const parent = await findNode(this.db, ident, nodeScope(ctx)).catch(() => {
      throw invalid;
    });
    if (parent.uuid === self) throw invalid;
    return parent.uuid;
  }

  async get(ident: string, ctx: RequestContext): Promise<Node> {
    return findNode(this.db, ident, nodeScope(ctx));
  }

  /** The row of a node's columns (secrets sealed); also what discovery enrolls with. */
  toData(cols: NodeColumns) {
    return {
      name: cols.name,
      driver: cols.driver,
      driverInfo: JSON.stringify(this.store.seal(cols.driverInfo)),
      properties: JSON.stringify(cols.properties),
      instanceInfo: JSON.stringify(this.store.seal(cols.instanceInfo)),
      extra: JSON.stringify(cols.extra),
      interfaces: JSON.stringify(cols.interfaces),
      instanceUuid: cols.instanceUuid,
      maintenance: cols.maintenance,
      resourceClass: cols.resourceClass,
      conductorGroup: cols.conductorGroup,
      owner: cols.owner,
      lessee: cols.lessee,
      description: cols.description,
      automatedClean: cols.automatedClean,
      protected: cols.protected,
      protectedReason: cols.protectedReason,
      retired: cols.retired,
      retiredReason: cols.retiredReason,
      shard: cols.shard,
      parentNode: cols.parentNode,
      disablePowerOff: cols.disablePowerOff,
      chassisUuid: cols.chassisUuid,
    };
  }

  private duplicate(e: unknown, cols: NodeColumns, uuid: string): never {
    const fields = uniqueViolation(e);
    if (fields === undefined) throw e;
    if (fields.some((f) => f.includes('name'))) throw new ConflictError(`A node with name ${cols.name} already exists.`);
    if (fields.some((f) => f.includes('instance')))
      throw new ConflictError(`A node with instance UUID ${cols.instanceUuid} already exists.`);
    throw new ConflictError(`A node with UUID ${uuid} already exists.`);
  }

  /** 403 unless the request may enroll nodes (admins). The controller asks before it reads the body. */
  assertMayEnroll(ctx: RequestContext): void {
    requireAdmin(ctx, 'enroll nodes; ask one to enroll the node with owner set to your project');
  }

  async create(request: NodeCreateRequest, ctx: RequestContext): Promise<Node> {
    this.assertMayEnroll(ctx);
    const uuid = request.uuid ?? crypto.randomUUID();
    const cols = { ...request.columns, parentNode: await this.parentUuid(request.columns.parentNode, ctx, uuid) };
    checkRetired(cols, 'enroll', uuid);
    await this.checkChassis(cols.chassisUuid);
    const now = new Date();
    try {
      // Two plain INSERTs in one transaction (raw-rows.ts): enrollment is the hot write path.
      return await insertNodeWithHistory(
        this.db,
        { uuid, ...this.toData(cols), provisionState: 'enroll', createdAt: now },
        historyRow(
          {
            nodeUuid: uuid,
            eventType: 'inventory',
            actor: ctx.actor,
            requestId: ctx.requestId,
            toState: 'enroll',
            event: `Node ${cols.name ?? uuid} enrolled with driver ${cols.driver}`,
          },
          now,
        ),
      );
    } catch (e) {
      this.duplicate(e, cols, uuid);
    }
  }

  async list(q: NodeListQuery, base: string, ctx: RequestContext, apiMinor: number): Promise<Page> {
    const sortField = SORTABLE[q.sortKey] as keyof Node;
    const scope = nodeScope(ctx);
    const after = q.marker === undefined ? undefined : await findMarker(this.db, q.marker, scope, sortField);
    if (q.marker !== undefined && !after) throw new NodeNotFoundError(q.marker);
    // ?conductor= (1.49): the nodes whose group that live worker is the conductor of (none if it is not one).
    const byConductor =
      q.carry.conductor === undefined ? {} : { conductorGroup: { in: await this.conductors.groupsOf(q.carry.conductor) } };
    // AND, not a merge: a member's own `owner`/`project` filters narrow its scope, never widen it.
    const rows = await selectNodeRows(this.db, {
      where: { AND: [q.where, scope, byConductor] },
      sortField,
      sortDir: q.sortDir,
      limit: q.limit,
      after,
    });
    const res = await this.lock.holders(rows.map((r) => r.id));
    const fields = q.detail ? undefined : (q.fields ?? DEFAULT_LIST_FIELDS);
    const traits = await this.traitsOf(rows.map((r) => r.id));
    const groups = new Map<string, string | null>();
    for (const g of new Set(rows.map((r) => r.conductorGroup))) groups.set(g, await this.conductorOf(g, apiMinor));
    const items = rows.map((n) =>
      nodeView(
        n,
        {
          base,
          reservation: res.get(n.id) ?? null,
          conductor: groups.get(n.conductorGroup) ?? null,
          apiMinor,
          traits: traits.get(n.id) ?? [],
          lesseeView: isLesseeOnly(ctx, n),
        },
        fields,
      ),
    );
    if (rows.length < q.limit || rows.length === 0) return { items };
    const next: Record<string, string> = { ...q.carry, sort_key: q.sortKey, sort_dir: q.sortDir };
    if (q.fields) next.fields = q.fields.join(',');
    if (q.detailText !== undefined) next.detail = q.detailText;
    next.limit = String(q.limit);
    next.marker = rows[rows.length - 1].uuid;
    return { items, next };
  }

  /** `node` is found in the request's scope (get); `ident` is how the request named it. */
  async patch(node: Node, ops: PatchOp[], ctx: RequestContext, ident: string): Promise<Node> {
    const state = asProvisionState(node.provisionState);
    if (node.targetProvisionState !== null && !UPDATE_ALLOWED_STATES.includes(state)) {
      throw new ConflictError(`Node ${ident} can not be updated while a state transition is in progress.`);
    }
    await this.lock.assertUnlocked(node);
    const current = nodePatchDocument(node, this.store.open(parseJson(node.driverInfo)));
    current.instance_info = this.store.open(current.instance_info as Json);
    const patched = applyPatch(current, ops, NODE_PATCH_KEYS);
    checkMemberPatch(ctx, current, patched);
    checkLesseePatch(ctx, node, current, patched);
    const cols = nodeColumns(patched, 'update');
    if (cols.parentNode !== node.parentNode) cols.parentNode = await this.parentUuid(cols.parentNode, ctx, node.uuid);
    if (!cols.retired && node.retired) cols.retiredReason = null; // un-retiring clears the reason, as Ironic
    if (cols.retired !== node.retired || cols.retiredReason !== node.retiredReason) checkRetired(cols, node.provisionState, node.uuid);
    if (cols.chassisUuid !== node.chassisUuid) await this.checkChassis(cols.chassisUuid);
    // Ironic's update_node: an instance_uuid is not overwritten by another (remove it first).
    if (node.instanceUuid !== null && cols.instanceUuid !== null && cols.instanceUuid !== node.instanceUuid)
      throw new ConflictError(
        `Node ${node.uuid} is associated with instance ${node.instanceUuid}: remove /instance_uuid before setting another.`,
      );
    const changed = ops.map((o) => `${o.op} ${o.path}`).join(', ');
    try {
      return await this.db.$transaction(async (tx) => {
        // Removing instance_uuid from an allocated node ends its allocation, as Ironic's update_node does.
        const dropAllocation = node.allocationUuid !== null && node.instanceUuid !== null && cols.instanceUuid === null;
        if (dropAllocation) await tx.allocation.deleteMany({ where: { uuid: node.allocationUuid! } });
        const updated = await tx.node.update({
          where: { id: node.id },
          data: { ...this.toData(cols), ...(dropAllocation ? { allocationUuid: null } : {}), updatedAt: new Date() },
        });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'inventory',
          actor: ctx.actor,
          requestId: ctx.requestId,
          event: `Node updated: ${changed}`,
        });
        return updated;
      });
    } catch (e) {
      this.duplicate(e, cols, node.uuid);
    }
  }

  /** A node's chassis_uuid must name a chassis (400, as Ironic answers for a node's references). */
  private async checkChassis(uuid: string | null): Promise<void> {
    if (uuid !== null && !(await this.db.chassis.findUnique({ where: { uuid }, select: { id: true } })))
      throw new BadRequestError(`Chassis ${uuid} could not be found.`);
  }

  /** GET /v1/nodes/{id}/children: the UUIDs of the nodes whose parent_node is this one, in the request's scope. */
  async children(node: Node, ctx: RequestContext): Promise<string[]> {
    const rows = await this.db.node.findMany({
      where: { parentNode: node.uuid, ...nodeScope(ctx) },
      select: { uuid: true },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => r.uuid);
  }

  /** GET /v1/shards: each shard with its node count, largest first; unsharded nodes count as "None", as Ironic. */
  async shards(): Promise<{ name: string; count: number }[]> {
    const groups = await this.db.node.groupBy({ by: ['shard'], _count: { _all: true } });
    return groups
      .map((g) => ({ name: String(g.shard ?? 'None'), count: g._count._all }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  async delete(ident: string, ctx: RequestContext): Promise<void> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    requireAdmin(ctx, 'delete nodes');
    if (node.protected)
      throw new ForbiddenError(`Node ${node.uuid} is protected and cannot be undeployed, rebuilt or deleted: unset protected first.`);
    await this.lock.assertUnlocked(node);
    if (!node.maintenance && !DELETE_ALLOWED_STATES.includes(asProvisionState(node.provisionState))) {
      throw new ConflictError(
        `Can not delete node "${node.uuid}" while it is in provision state "${node.provisionState}". Valid provision states to perform deletion are: "(${DELETE_ALLOWED_STATES.map((s) => `'${s}'`).join(', ')})", or set the node into maintenance mode`,
      );
    }
    if (node.instanceUuid && !node.maintenance)
      throw new ConflictError(`Node ${node.uuid} is associated with instance ${node.instanceUuid}.`);
    await this.db.$transaction(async (tx) => {
      if (node.allocationUuid) await tx.allocation.deleteMany({ where: { uuid: node.allocationUuid } });
      await tx.node.delete({ where: { id: node.id } });
      await writeHistory(tx, {
        nodeUuid: node.uuid,
        eventType: 'inventory',
        actor: ctx.actor,
        requestId: ctx.requestId,
        fromState: node.provisionState,
        event: `Node ${node.name ?? node.uuid} deleted with its ports`,
      });
    });
  }
}
