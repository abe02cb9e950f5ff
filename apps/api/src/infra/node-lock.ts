// The node lock, as the API sees it. A node is locked while an operation runs on
// it: the workflow id node-<uuid> is the lock itself (Temporal refuses a second
// run, infra/workflows.ts), and the database records each running operation, so
// the API can answer 409 before it starts anything, and show who holds a node
// (the `reservation` field). Every "is it locked" question goes through here.
import { Injectable } from '@nestjs/common';
import type { Node } from '#prisma/generated/sqlite/client';
import { NodeLockedError } from '../common/errors';
import { ApiSettings } from './settings';
import { Store } from './store';

type LockedNode = Pick<Node, 'id' | 'uuid'>;

@Injectable()
export class NodeLock {
  constructor(
    private readonly store: Store,
    private readonly settings: ApiSettings,
  ) {}

  /** The host holding each locked node (this conductor), by node id; unlocked nodes are absent. */
  async holders(nodeIds: number[]): Promise<Map<number, string>> {
    // Running operations are few (at most one per node); an `IN` over a page's ids would
    // exceed SQLite's 999 bound parameters at 1000 nodes a page.
    const where = nodeIds.length === 1 ? { nodeId: nodeIds[0], status: 'running' } : { status: 'running', nodeId: { not: null } };
    const wanted = new Set(nodeIds);
    const ops = await this.store.db.operation.findMany({ where, select: { nodeId: true } });
    return new Map(ops.filter((o) => o.nodeId !== null && wanted.has(o.nodeId)).map((o) => [o.nodeId as number, this.settings.conductor]));
  }

  async isLocked(node: LockedNode): Promise<boolean> {
    return (await this.holders([node.id])).has(node.id);
  }

  /** 409 (NodeLockedError) while an operation holds the node. */
  async assertUnlocked(node: LockedNode): Promise<void> {
    if (await this.isLocked(node)) throw new NodeLockedError(node.uuid, this.settings.conductor);
  }

  /** isLocked as a callback, for Workflows.startNodeOperation's `busy`. */
  busy(node: LockedNode): () => Promise<boolean> {
    return () => this.isLocked(node);
  }
}
