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
    const ops = await this.db.operation.findMany({ where: { nodeId: { in: nodeIds }, status: 'running' }, select: { nodeId: true } });
    return new Map(ops.filter((o) => o.nodeId !== null).map((o) => [o.nodeId as number, host]));
  }
}
