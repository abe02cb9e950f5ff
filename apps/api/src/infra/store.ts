// The database and the keys that seal secrets, as one injectable.
import type { Database } from '../../../../prisma/database';
import { openSecrets, sealSecrets, type SealKeys } from '../../../../prisma/sealed-json';

export class Store {
  constructor(readonly db: Database, readonly keys: SealKeys) {}

  seal<T>(doc: T): T {
    return sealSecrets(doc, this.keys);
  }

  open<T>(doc: T): T {
    return openSecrets(doc, this.keys);
  }

  /** Host names holding each node's lock (a running operation), by node id. */
  async reservations(nodeIds: number[], host: string): Promise<Map<number, string>> {
    // Running operations are few (at most one per node); an `IN` over a page's ids would
    // exceed SQLite's 999 bound parameters at 1000 nodes a page.
    const where = nodeIds.length === 1 ? { nodeId: nodeIds[0], status: 'running' } : { status: 'running', nodeId: { not: null } };
    const wanted = new Set(nodeIds);
    const ops = await this.db.operation.findMany({ where, select: { nodeId: true } });
    return new Map(ops.filter((o) => o.nodeId !== null && wanted.has(o.nodeId)).map((o) => [o.nodeId as number, host]));
  }
}
