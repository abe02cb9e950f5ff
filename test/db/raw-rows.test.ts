// Enrollment's raw INSERTs (prisma/raw-rows.ts) on a real database (SQLite, or PostgreSQL when
// IRONFLOW_TEST_DATABASE_URL names one): the row returned is the row Prisma reads back, the
// history row lands with the node's id, and a duplicate is a unique violation naming its column
// with nothing written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { openDatabase, type Database } from '#prisma/database';
import { historyRow } from '#prisma/node-operations';
import { insertNodeWithHistory, insertPortWithHistory } from '#prisma/raw-rows';
import { uniqueViolation } from '#apps/api/src/common/unique-violation';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('raw rows (enrollment inserts)', () => {
  let tdb: TestDatabase;
  let db: Database;
  before(async () => {
    tdb = await createTestDatabase();
    db = openDatabase(tdb.url);
  });
  after(async () => {
    await db?.$disconnect();
    await tdb?.drop();
  });

  const when = new Date(Date.UTC(2026, 11, 3, 19, 30, 1, 234));
  const entry = (nodeUuid: string, event: string) =>
    historyRow({ nodeUuid, eventType: 'inventory', event, actor: 'tester', requestId: 'req-1', toState: 'enroll' }, when);

  test('a node and its history row: the row Prisma reads back, defaults filled in', async () => {
    const uuid = crypto.randomUUID();
    const node = await insertNodeWithHistory(
      db,
      {
        uuid,
        name: 'raw-1',
        driver: 'ipmi',
        driverInfo: '{"ipmi_address":"10.0.0.1"}',
        maintenance: true,
        automatedClean: null,
        retired: false,
        provisionState: 'enroll',
        createdAt: when,
      },
      entry(uuid, 'enrolled'),
    );
    assert.deepEqual(node, await db.node.findUniqueOrThrow({ where: { uuid } }));
    assert.equal(node.maintenance, true);
    assert.equal(node.driverInternalInfo, '{}');
    assert.equal(node.powerSyncFailures, 0);
    assert.deepEqual(node.createdAt, when);
    const [h] = await db.historyEvent.findMany({ where: { nodeUuid: uuid } });
    assert.equal(h.nodeId, node.id);
    assert.equal(h.event, 'enrolled');
    assert.equal(h.actor, 'tester');
    assert.deepEqual(h.createdAt, when);

    const port = await insertPortWithHistory(
      db,
      { uuid: crypto.randomUUID(), address: '52:54:00:00:00:01', nodeId: node.id, pxeEnabled: true, createdAt: when },
      entry(uuid, 'port created'),
    );
    assert.deepEqual(port, await db.port.findUniqueOrThrow({ where: { uuid: port.uuid } }));
    assert.equal(port.isSmartnic, false);
    assert.equal((await db.historyEvent.findMany({ where: { nodeId: node.id } })).length, 2);
  });

  test('a duplicate: a unique violation naming the column, and no history row', async () => {
    const uuid = crypto.randomUUID();
    const err = await insertNodeWithHistory(
      db,
      { uuid, name: 'raw-1', driver: 'ipmi', provisionState: 'enroll', createdAt: when },
      entry(uuid, 'dup'),
    ).catch((e: unknown) => e);
    assert.deepEqual(uniqueViolation(err), ['name']);
    assert.equal(await db.historyEvent.count({ where: { nodeUuid: uuid } }), 0);
    const node = await db.node.findUniqueOrThrow({ where: { name: 'raw-1' } });
    const perr = await insertPortWithHistory(
      db,
      { uuid: crypto.randomUUID(), address: '52:54:00:00:00:01', nodeId: node.id, createdAt: when },
      entry(node.uuid, 'dup port'),
    ).catch((e: unknown) => e);
    assert.deepEqual(uniqueViolation(perr), ['address']);
    assert.equal(await db.historyEvent.count({ where: { event: 'dup port' } }), 0);
    assert.equal(uniqueViolation(new Error('other')), undefined);
  });
});
