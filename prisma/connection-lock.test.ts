// The SQLite client on a real database file: a plain query never runs inside another request's
// open transaction (no dirty read), and a plain write survives that transaction's rollback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { openDatabase, type Database } from './database';
import { migrate } from './migrate';
import { ConnectionLock } from './connection-lock';

let dir: string;
let db: Database;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-connection-lock-'));
  const url = `file:${path.join(dir, 'db.sqlite')}`;
  await migrate(url, repoRoot());
  db = openDatabase(url);
});
after(async () => {
  await db?.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a plain read and write wait for an open transaction; the write outlives its rollback', async () => {
  let plainRead: string[] | undefined;
  const failing = db
    .$transaction(async (tx) => {
      await tx.node.create({ data: { uuid: 'in-transaction', driver: 'fake-hardware' } });
      await new Promise((r) => setTimeout(r, 200));
      throw new Error('roll back');
    })
    .catch((e: Error) => e.message);
  await new Promise((r) => setTimeout(r, 50)); // the transaction is open now
  const read = db.node.findMany({ select: { uuid: true } }).then((rows) => (plainRead = rows.map((r) => r.uuid)));
  const write = db.node.create({ data: { uuid: 'plain', driver: 'fake-hardware' } });
  assert.equal(await failing, 'roll back');
  await Promise.all([read, write]);
  assert.deepEqual(plainRead, [], 'the plain read did not see the uncommitted node');
  const rows = await db.node.findMany({ select: { uuid: true } });
  assert.deepEqual(
    rows.map((r) => r.uuid),
    ['plain'],
    'the acknowledged plain write is kept',
  );
});

test('ConnectionLock: one holder at a time, in order; releasing twice is harmless', async () => {
  const lock = new ConnectionLock();
  const order: string[] = [];
  const first = await lock.acquire();
  const second = lock.acquire().then((release) => {
    order.push('second');
    return release;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(order.length, 0, 'the second waits while the first holds');
  order.push('first done');
  first();
  first();
  (await second)();
  assert.deepEqual(order, ['first done', 'second']);
});
