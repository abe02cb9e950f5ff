// A digest of every row Ironflow stores, to prove a rejected request changed nothing.
import crypto from 'node:crypto';
import type { Database } from '#prisma/database';

export async function dbSnapshot(db: Database): Promise<string> {
  const [nodes, ports, history, operations, deployments, traits, allocations, portgroups, chassis] = await Promise.all([
    db.node.findMany({ orderBy: { id: 'asc' } }),
    db.port.findMany({ orderBy: { id: 'asc' } }),
    db.historyEvent.findMany({ orderBy: { id: 'asc' } }),
    db.operation.findMany({ orderBy: { id: 'asc' } }),
    db.deployment.findMany({ orderBy: { id: 'asc' } }),
    db.nodeTrait.findMany({ orderBy: { id: 'asc' } }),
    db.allocation.findMany({ orderBy: { id: 'asc' } }),
    db.portgroup.findMany({ orderBy: { id: 'asc' } }),
    db.chassis.findMany({ orderBy: { id: 'asc' } }),
  ]);
  const text = JSON.stringify(
    { nodes, ports, history, operations, deployments, traits, allocations, portgroups, chassis },
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
  );
  return crypto.createHash('sha256').update(text).digest('hex');
}
