// A node's traits (1.37): list, replace all, add one, remove one or all. Each change is
// one transaction with its history row; at most 50 traits per node, as Ironic.
import { Injectable } from '@nestjs/common';
import type { Database } from '#prisma/database';
import type { Node } from '#prisma/generated/sqlite/client';
import { writeHistory } from '#prisma/node-operations';
import { nodeScope, requireAdmin } from '../common/access';
import { BadRequestError, NotFoundError } from '../common/errors';
import type { RequestContext } from '../common/request-context';
import { NodeLock } from '../infra/node-lock';
import { Store } from '../infra/store';
import { findNode } from '../nodes/node-lookup';
import { MAX_TRAITS_PER_NODE } from './trait-name';

type Tx = Parameters<Parameters<Database['$transaction']>[0]>[0];

@Injectable()
export class TraitsService {
  constructor(
    private readonly store: Store,
    private readonly lock: NodeLock,
  ) {}

  private get db() {
    return this.store.db;
  }

  async list(ident: string, ctx: RequestContext): Promise<string[]> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    return this.namesOf(node);
  }

  private async namesOf(node: Node): Promise<string[]> {
    const rows = await this.db.nodeTrait.findMany({ where: { nodeId: node.id }, orderBy: { trait: 'asc' } });
    return rows.map((r) => r.trait);
  }

  /** Finds the node for a change: admins only (traits steer scheduling), not while an operation holds it. */
  private async forChange(ident: string, ctx: RequestContext): Promise<Node> {
    const node = await findNode(this.db, ident, nodeScope(ctx));
    requireAdmin(ctx, 'change node traits (they decide which allocations may claim the node)');
    await this.lock.assertUnlocked(node);
    return node;
  }

  /** Replaces every trait with `traits` (validated, deduplicated, at most 50). */
  async replace(ident: string, traits: string[], ctx: RequestContext): Promise<void> {
    const node = await this.forChange(ident, ctx);
    await this.db.$transaction(async (tx) => {
      await tx.nodeTrait.deleteMany({ where: { nodeId: node.id } });
      if (traits.length) await tx.nodeTrait.createMany({ data: traits.map((trait) => ({ nodeId: node.id, trait })) });
      await this.history(tx, node, ctx, traits.length ? `Traits set: ${traits.join(', ')}` : 'Traits cleared');
    });
  }

  async add(ident: string, trait: string, ctx: RequestContext): Promise<Node> {
    const node = await this.forChange(ident, ctx);
    await this.db.$transaction(async (tx) => {
      if (await tx.nodeTrait.findFirst({ where: { nodeId: node.id, trait } })) return; // already there: PUT is idempotent
      const count = await tx.nodeTrait.count({ where: { nodeId: node.id } });
      if (count >= MAX_TRAITS_PER_NODE) {
        throw new BadRequestError(
          `Could not add trait ${trait} to node ${node.uuid}: it has ${count} traits, the most a node may have is ${MAX_TRAITS_PER_NODE}. Remove one first.`,
        );
      }
      await tx.nodeTrait.create({ data: { nodeId: node.id, trait } });
      await this.history(tx, node, ctx, `Trait added: ${trait}`);
    });
    return node;
  }

  /** Removes one trait (404 when the node lacks it) or, with `trait` undefined, all of them. */
  async remove(ident: string, trait: string | undefined, ctx: RequestContext): Promise<void> {
    const node = await this.forChange(ident, ctx);
    await this.db.$transaction(async (tx) => {
      if (trait === undefined) {
        await tx.nodeTrait.deleteMany({ where: { nodeId: node.id } });
        await this.history(tx, node, ctx, 'Traits cleared');
        return;
      }
      const gone = await tx.nodeTrait.deleteMany({ where: { nodeId: node.id, trait } });
      if (gone.count === 0) throw new NotFoundError(`Node ${node.uuid} doesn't have a trait '${trait}'`);
      await this.history(tx, node, ctx, `Trait removed: ${trait}`);
    });
  }

  private history(tx: Tx, node: Node, ctx: RequestContext, event: string) {
    return writeHistory(tx, {
      nodeId: node.id,
      nodeUuid: node.uuid,
      eventType: 'inventory',
      actor: ctx.actor,
      requestId: ctx.requestId,
      event,
    });
  }
}
