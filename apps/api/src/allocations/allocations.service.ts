// Allocations (1.52+): claim one available node matching a resource class, traits and
// optional candidates, or backfill one already deployed.
//
// How a claim stays exclusive: no workflow, no lock table. The candidates are read, then
// each is tried with one transaction that holds a compare-and-set
//   UPDATE nodes SET allocation_uuid = A, instance_uuid = A
//    WHERE id = N AND allocation_uuid IS NULL AND instance_uuid IS NULL
//      AND provision_state = 'available' AND maintenance = false
// and, only if it changed a row, marks the allocation active on that node. Two requests
// racing for node N both run the UPDATE; the database lets one change the row and the
// other sees zero rows (PostgreSQL re-checks the WHERE after the winner commits; SQLite
// runs one writer at a time), and the unique index on allocation_uuid backs it up. The
// loser moves on to its next candidate, and when none is left the allocation ends in
// `error` with the reason. A claim is one short database step, so a durable workflow would
// add a round trip and nothing it could resume: Ironic's own conductor does the same
// synchronously. The answer is final: the allocation comes back `active` or `error`.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Allocation, Node } from '#prisma/generated/sqlite/client';
import type { Database } from '#prisma/database';
import { writeHistory } from '#prisma/node-operations';
import { asProvisionState, UPDATE_ALLOWED_STATES } from '#workflows/contracts/states';
import { nodeScope } from '../common/access';
import { BadRequestError, ConflictError, NotFoundError } from '../common/errors';
import { applyPatch, type PatchOp } from '../common/json-patch';
import { readObject, readOptString } from '../common/input';
import type { RequestContext } from '../common/request-context';
import { Store } from '../infra/store';
import { findNode } from '../nodes/node-lookup';
import {
  ALLOCATION_PATCH_KEYS,
  allocationIdent,
  checkAllocationName,
  type AllocationCreateRequest,
  type AllocationListQuery,
} from './allocation-request';
import { allocationView } from './allocation-view';

type Tx = Parameters<Parameters<Database['$transaction']>[0]>[0];

/**
 * A claim transaction is a few statements, but SQLite runs one at a time per process: under a burst
 * (50 allocations racing for the same nodes) a claim may queue behind hundreds of others. Wait for
 * the turn rather than fail with "Unable to start a transaction in the given time" (Prisma's 2 s).
 */
const CLAIM_TX = { maxWait: 30_000, timeout: 30_000 };

export interface AllocationPage {
  items: Record<string, unknown>[];
  next?: Record<string, string>;
}

function uniqueFields(e: unknown): string[] | undefined {
  const err = e as { code?: string; meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } } };
  if (err?.code !== 'P2002') return undefined;
  const t = err.meta?.target;
  if (Array.isArray(t)) return t.map(String);
  if (typeof t === 'string') return [t];
  return err.meta?.driverAdapterError?.cause?.constraint?.fields ?? [];
}

@Injectable()
export class AllocationsService {
  constructor(private readonly store: Store) {}

  private get db() {
    return this.store.db;
  }

  /** Members see and make only their project's allocations. */
  private scope(ctx: RequestContext): { owner?: string } {
    return ctx.role === 'member' ? { owner: ctx.project ?? '' } : {};
  }

  view(a: Allocation, base: string, apiMinor: number, fields?: readonly string[]): Record<string, unknown> {
    return allocationView(a, base, apiMinor, fields);
  }

  async get(ident: string, ctx: RequestContext): Promise<Allocation> {
    const a = await this.db.allocation.findFirst({ where: { ...allocationIdent(ident), ...this.scope(ctx) } });
    if (!a) throw new NotFoundError(`Allocation ${ident} could not be found.`);
    return a;
  }

  async ofNode(nodeIdent: string, ctx: RequestContext): Promise<Allocation> {
    const node = await findNode(this.db, nodeIdent, nodeScope(ctx));
    const a = await this.db.allocation.findFirst({ where: { nodeUuid: node.uuid, ...this.scope(ctx) } });
    if (!a) throw new NotFoundError(`Allocation for node ${nodeIdent} was not found.`);
    return a;
  }

  async list(q: AllocationListQuery, base: string, apiMinor: number, ctx: RequestContext): Promise<AllocationPage> {
    const where: Record<string, unknown> = { ...q.where, ...this.scope(ctx) };
    if (q.node !== undefined) where.nodeUuid = (await findNode(this.db, q.node, nodeScope(ctx))).uuid;
    if (q.marker !== undefined && !(await this.db.allocation.findFirst({ where: { uuid: q.marker, ...this.scope(ctx) } })))
      throw new NotFoundError(`Allocation ${q.marker} could not be found.`);
    const rows = await this.db.allocation.findMany({
      where,
      orderBy: q.sortCol === 'id' ? [{ id: q.sortDir }] : [{ [q.sortCol]: q.sortDir }, { id: q.sortDir }],
      take: q.limit,
      ...(q.marker ? { cursor: { uuid: q.marker }, skip: 1 } : {}),
    });
    const items = rows.map((a) => allocationView(a, base, apiMinor, q.fields));
    if (rows.length < q.limit || rows.length === 0) return { items };
    const next: Record<string, string> = { ...q.carry, sort_key: q.sortKey, sort_dir: q.sortDir, limit: String(q.limit) };
    if (q.fields) next.fields = q.fields.join(',');
    next.marker = rows[rows.length - 1].uuid;
    return { items, next };
  }

  async create(req: AllocationCreateRequest, ctx: RequestContext): Promise<Allocation> {
    let owner = req.owner;
    if (ctx.role === 'member') {
      if (owner !== null && owner !== ctx.project)
        throw new BadRequestError(
          `Cannot create allocation with owner ${owner}: a member creates allocations for its own project (${ctx.project}).`,
        );
      owner = ctx.project;
    }
    const candidates: string[] = [];
    for (const ident of req.candidateNodes) {
      const n = await findNode(this.db, ident, nodeScope(ctx)).catch(() => {
        throw new BadRequestError(`Node ${ident} could not be found (in candidate_nodes): name existing nodes by UUID or name.`);
      });
      candidates.push(n.uuid);
    }
    const backfill =
      req.node === null
        ? null
        : await findNode(this.db, req.node, nodeScope(ctx)).catch(() => {
            throw new BadRequestError(`Node ${req.node} could not be found (the node to backfill).`);
          });
    const uuid = req.uuid ?? backfill?.instanceUuid ?? crypto.randomUUID();
    const resourceClass = req.resourceClass ?? backfill?.resourceClass ?? null;
    if (backfill)
      this.checkBackfill(
        backfill,
        { uuid, resourceClass: req.resourceClass, traits: req.traits, candidates },
        await this.traitsOf(backfill.id),
      );
    let allocation: Allocation;
    try {
      allocation = await this.db.allocation.create({
        data: {
          uuid,
          name: req.name,
          resourceClass,
          traits: JSON.stringify(req.traits),
          candidateNodes: JSON.stringify(candidates),
          extra: JSON.stringify(req.extra),
          owner,
          state: 'allocating',
          createdAt: new Date(),
        },
      });
    } catch (e) {
      const f = uniqueFields(e);
      if (f === undefined) throw e;
      if (f.some((x) => x.includes('name'))) throw new ConflictError(`An allocation with name ${req.name} already exists.`);
      throw new ConflictError(`An allocation with UUID ${uuid} already exists.`);
    }
    if (backfill) return this.claimBackfill(allocation, backfill, ctx);
    return this.allocate(allocation, ctx);
  }

  private async traitsOf(nodeId: number): Promise<Set<string>> {
    const rows = await this.db.nodeTrait.findMany({ where: { nodeId }, select: { trait: true } });
    return new Set(rows.map((r) => r.trait));
  }

  /** Ironic's backfill rules: an active node that matches what the allocation asks. 400 naming each mismatch. */
  private checkBackfill(
    node: Node,
    want: { uuid: string; resourceClass: string | null; traits: string[]; candidates: string[] },
    traits: Set<string>,
  ): void {
    const errors: string[] = [];
    if (node.provisionState !== 'active')
      errors.push(`Node must be in the "active" state, but the current state is "${node.provisionState}"`);
    if (want.resourceClass && node.resourceClass !== want.resourceClass)
      errors.push(`Resource class ${node.resourceClass} does not match the requested resource class ${want.resourceClass}`);
    const lacking = want.traits.filter((t) => !traits.has(t));
    if (lacking.length) errors.push(`the node lacks the requested traits ${lacking.join(', ')}`);
    if (want.candidates.length && !want.candidates.includes(node.uuid))
      errors.push(`Candidate nodes must be empty or contain the target node, but got ${want.candidates.join(', ')}`);
    if (errors.length) throw new BadRequestError(`Cannot backfill an allocation for node ${node.uuid}: ${errors.join('; ')}.`);
    if (node.allocationUuid) throw new ConflictError(`Node ${node.uuid} already has allocation ${node.allocationUuid}.`);
    if (node.instanceUuid && node.instanceUuid !== want.uuid)
      throw new ConflictError(
        `Node ${node.uuid} is associated with instance ${node.instanceUuid}: the allocation UUID must be that instance UUID (or left out).`,
      );
  }

  private async claimBackfill(allocation: Allocation, node: Node, ctx: RequestContext): Promise<Allocation> {
    const claimed = await this.claim(allocation, node, ctx, {
      provisionState: 'active',
      OR: [{ instanceUuid: null }, { instanceUuid: allocation.uuid }],
    });
    if (claimed) return claimed;
    await this.db.allocation.delete({ where: { id: allocation.id } });
    throw new ConflictError(`Node ${node.uuid} was claimed by another allocation or instance meanwhile; nothing was changed.`);
  }

  /** Tries the candidates in order (name match first, then random); the first compare-and-set that lands wins. */
  private async allocate(allocation: Allocation, ctx: RequestContext): Promise<Allocation> {
    const rc = allocation.resourceClass ?? '';
    const wanted = JSON.parse(allocation.traits) as string[];
    const candidates = JSON.parse(allocation.candidateNodes) as string[];
    const where: Record<string, unknown> = {
      resourceClass: rc,
      provisionState: 'available',
      maintenance: false,
      instanceUuid: null,
      allocationUuid: null,
    };
    if (candidates.length) where.uuid = { in: candidates };
    if (allocation.owner) where.OR = [{ owner: allocation.owner }, { lessee: allocation.owner }];
    let nodes = await this.db.node.findMany({ where, include: { traits: { select: { trait: true } } } });
    if (!nodes.length) {
      const reason = candidates.length
        ? `none of the requested nodes are available and match the resource class ${rc}`
        : `no available nodes match the resource class ${rc}${allocation.owner ? ` and are owned or leased by project ${allocation.owner}` : ''}`;
      return this.fail(allocation, reason);
    }
    if (wanted.length) {
      nodes = nodes.filter((n) => wanted.every((t) => n.traits.some((x) => x.trait === t)));
      if (!nodes.length) return this.fail(allocation, `no suitable nodes have the requested traits ${wanted.join(', ')}`);
    }
    const order = nodes
      .map((n) => ({ n, key: n.name !== null && n.name === allocation.name ? -1 : Math.random() }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.n);
    for (const node of order) {
      const claimed = await this.claim(allocation, node, ctx, { provisionState: 'available', maintenance: false, instanceUuid: null });
      if (claimed) return claimed;
    }
    return this.fail(
      allocation,
      `could not reserve any of ${order.length} suitable nodes: other allocations claimed them first; retry, or add nodes of resource class ${rc}`,
    );
  }

  /** One compare-and-set on the node, and the allocation made active on it, in one transaction. Null when the node was taken. */
  private async claim(allocation: Allocation, node: Node, ctx: RequestContext, cond: Record<string, unknown>): Promise<Allocation | null> {
    return this.db
      .$transaction(async (tx: Tx) => {
        const set = await tx.node.updateMany({
          where: { id: node.id, allocationUuid: null, ...cond },
          data: { allocationUuid: allocation.uuid, instanceUuid: allocation.uuid, updatedAt: new Date() },
        });
        if (set.count !== 1) return null;
        const a = await tx.allocation.update({
          where: { id: allocation.id },
          data: { state: 'active', nodeUuid: node.uuid, lastError: null, updatedAt: new Date() },
        });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'allocation',
          actor: ctx.actor,
          requestId: ctx.requestId,
          event: `Allocated to ${allocation.name ?? allocation.uuid}; instance_uuid set to ${allocation.uuid}`,
        });
        return a;
      }, CLAIM_TX)
      .catch((e: unknown) => {
        if (uniqueFields(e) !== undefined) return null; // instance_uuid or allocation_uuid already used elsewhere: not this node
        throw e;
      });
  }

  private fail(allocation: Allocation, reason: string): Promise<Allocation> {
    return this.db.allocation.update({
      where: { id: allocation.id },
      data: {
        state: 'error',
        lastError: `Failed to process allocation ${allocation.uuid}: ${reason}.`,
        nodeUuid: null,
        updatedAt: new Date(),
      },
    });
  }

  /** PATCH (1.57): only name and extra change, as Ironic. */
  async patch(a: Allocation, ops: PatchOp[]): Promise<Allocation> {
    const doc = { name: a.name, extra: JSON.parse(a.extra) as unknown };
    const patched = applyPatch(doc, ops, ALLOCATION_PATCH_KEYS);
    const name = readOptString(patched.name, 'name') ?? null;
    if (name !== null) checkAllocationName(name, 'update');
    const extra = patched.extra === null || patched.extra === undefined ? {} : readObject(patched.extra, 'extra');
    try {
      return await this.db.allocation.update({ where: { id: a.id }, data: { name, extra: JSON.stringify(extra), updatedAt: new Date() } });
    } catch (e) {
      if (uniqueFields(e) !== undefined) throw new ConflictError(`An allocation with name ${name} already exists.`);
      throw e;
    }
  }

  /**
   * Deletes the allocation and releases its node (allocation_uuid and instance_uuid cleared),
   * unless the node is deployed or busy and not in maintenance: as Ironic, undeploy it first.
   */
  async delete(a: Allocation, ctx: RequestContext): Promise<void> {
    const node = a.nodeUuid ? await this.db.node.findUnique({ where: { uuid: a.nodeUuid } }) : null;
    if (node && node.allocationUuid === a.uuid && !node.maintenance) {
      if (node.targetProvisionState !== null && !UPDATE_ALLOWED_STATES.includes(asProvisionState(node.provisionState))) {
        throw new ConflictError(
          `Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is in state ${node.provisionState} where updates are not allowed (and maintenance mode is off).`,
        );
      }
      if (node.provisionState === 'active') {
        throw new ConflictError(
          `Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is active (and maintenance mode is off). Undeploy the node first (its allocation goes with the undeploy).`,
        );
      }
    }
    await this.db.$transaction(async (tx: Tx) => {
      if (node && node.allocationUuid === a.uuid) {
        await tx.node.updateMany({ where: { id: node.id, allocationUuid: a.uuid }, data: { allocationUuid: null, updatedAt: new Date() } });
        await tx.node.updateMany({ where: { id: node.id, instanceUuid: a.uuid }, data: { instanceUuid: null } });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: node.uuid,
          eventType: 'allocation',
          actor: ctx.actor,
          requestId: ctx.requestId,
          event: `Allocation ${a.name ?? a.uuid} deleted: node released`,
        });
      }
      await tx.allocation.delete({ where: { id: a.id } });
    });
  }
}
