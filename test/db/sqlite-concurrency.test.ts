// Two processes (the API and the worker) share one SQLite file. A transaction that reads
// and then writes fails with SQLITE_BUSY_SNAPSHOT when the other side committed in
// between; openDatabase runs such a transaction again. Two clients on one file stand
// in for the two processes: each opens its own connection, as they would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '#prisma/migrate';
import { openDatabase, type Database } from '#prisma/database';
import { repoRoot } from '#apps/shared/repo-root';

let dir: string;
let a: Database;
let b: Database;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-sqlite-'));
  const url = `file:${path.join(dir, 'ironflow.db')}`;
  await migrate(url, repoRoot());
  a = openDatabase(url);
  b = openDatabase(url);
});
after(async () => {
  await a?.$disconnect();
  await b?.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('100 interleaved read-then-write transactions from two connections all commit, none lost', async () => {
  const node = await a.node.create({ data: { uuid: '00000000-0000-4000-8000-000000000001', driver: 'ipmi', description: '0' } });
  const increment = (db: Database) =>
    db.$transaction(async (tx) => {
      const n = await tx.node.findUniqueOrThrow({ where: { id: node.id } });
      // Let the other connection commit between our read and our write.
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      await tx.node.update({ where: { id: node.id }, data: { description: String(Number(n.description) + 1) } });
    });
  const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => increment(i % 2 ? a : b)));
  const failed = results
    .filter((r) => r.status === 'rejected')
    .map((r) =>
      String((r as PromiseRejectedResult).reason)
        .split('\n')
        .pop(),
    );
  assert.deepEqual(failed, [], 'no transaction failed');
  // SQLite serialises writers, so a retried transaction re-reads: every increment counts.
  assert.equal((await b.node.findUniqueOrThrow({ where: { id: node.id } })).description, '100');
});
