// Key rotation, last step: re-seal every sealed value in the database under the
// primary key, so the previous keys can be retired. Sealed columns: the nodes'
// driver_info and instance_info (JSON documents) and the deployments' secret, CHAP
// credentials and image token. Idempotent: a value already under the primary key is
// left as it is, so a second run changes nothing. Each row is written with a
// compare-and-set on the values it read, so a concurrent API write is never lost (the
// row is read again and re-sealed).
import type { Database } from './database';
import { isSealed, resealSecrets, resealValue, type SealKeys } from './sealed-json';

export interface ResealReport {
  /** Rows rewritten. */
  nodes: number;
  deployments: number;
  /** Rows left alone because a value could not be opened (e.g. its key is not configured). */
  failures: string[];
}

const BATCH = 200;
const ATTEMPTS = 5;

function resealJson(text: string, keys: SealKeys): string {
  const next = JSON.stringify(resealSecrets(JSON.parse(text) as unknown, keys));
  return next === JSON.stringify(JSON.parse(text)) ? text : next;
}

function resealColumn(v: string | null, keys: SealKeys): string | null {
  return v !== null && isSealed(v) ? resealValue(v, keys) : v;
}

/** Re-seals one node; true if it was rewritten. */
async function resealNode(db: Database, id: number, keys: SealKeys): Promise<boolean> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const n = await db.node.findUnique({ where: { id }, select: { driverInfo: true, instanceInfo: true } });
    if (!n) return false;
    const data = { driverInfo: resealJson(n.driverInfo, keys), instanceInfo: resealJson(n.instanceInfo, keys) };
    if (data.driverInfo === n.driverInfo && data.instanceInfo === n.instanceInfo) return false;
    const { count } = await db.node.updateMany({ where: { id, driverInfo: n.driverInfo, instanceInfo: n.instanceInfo }, data });
    if (count === 1) return true;
  }
  throw new Error(`node ${id} kept changing while it was re-sealed; run reseal again`);
}

async function resealDeployment(db: Database, id: string, keys: SealKeys): Promise<boolean> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const d = await db.deployment.findUnique({ where: { id }, select: { secret: true, chap: true, imageToken: true } });
    if (!d) return false;
    const data = {
      secret: resealColumn(d.secret, keys) as string,
      chap: resealColumn(d.chap, keys),
      imageToken: resealColumn(d.imageToken, keys),
    };
    if (data.secret === d.secret && data.chap === d.chap && data.imageToken === d.imageToken) return false;
    const { count } = await db.deployment.updateMany({ where: { id, secret: d.secret, chap: d.chap, imageToken: d.imageToken }, data });
    if (count === 1) return true;
  }
  throw new Error(`deployment ${id} kept changing while it was re-sealed; run reseal again`);
}

export async function resealAll(db: Database, keys: SealKeys): Promise<ResealReport> {
  const report: ResealReport = { nodes: 0, deployments: 0, failures: [] };
  for (let after = 0; ;) {
    const ids = await db.node.findMany({
      where: { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: BATCH,
      select: { id: true, uuid: true },
    });
    if (ids.length === 0) break;
    for (const { id, uuid } of ids) {
      try {
        if (await resealNode(db, id, keys)) report.nodes++;
      } catch (e) {
        report.failures.push(`node ${uuid}: ${(e as Error).message}`);
      }
    }
    after = ids[ids.length - 1].id;
  }
  for (let after = ''; ;) {
    const ids = await db.deployment.findMany({ where: { id: { gt: after } }, orderBy: { id: 'asc' }, take: BATCH, select: { id: true } });
    if (ids.length === 0) break;
    for (const { id } of ids) {
      try {
        if (await resealDeployment(db, id, keys)) report.deployments++;
      } catch (e) {
        report.failures.push(`deployment ${id}: ${(e as Error).message}`);
      }
    }
    after = ids[ids.length - 1].id;
  }
  return report;
}
