// The node list's raw query (apps/api/src/nodes/node-rows.ts) against Prisma on a real database
// (SQLite, or PostgreSQL when IRONFLOW_TEST_DATABASE_URL names one): the same rows, decoded the
// same way, for every filter shape the list builds and every sort key; and paging after a marker
// walks the whole list in order, NULL sort values included.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { openDatabase, type Database } from '#prisma/database';
import type { Node } from '#prisma/generated/sqlite/client';
import { findMarker, selectNodeRows, type NodeWhere } from '#apps/api/src/nodes/node-rows';
import { SORTABLE } from '#apps/api/src/nodes/node-list-query';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('node rows (raw list query)', () => {
  let tdb: TestDatabase;
  let db: Database;
  before(async () => {
    tdb = await createTestDatabase();
    db = openDatabase(tdb.url);
    for (let i = 0; i < 9; i++) {
      await db.node.create({
        data: {
          uuid: crypto.randomUUID(),
          name: i % 3 === 0 ? null : `n-${i}`,
          driver: i % 2 ? 'ipmi' : 'fake-hardware',
          driverInfo: JSON.stringify({ ipmi_address: `10.0.0.${i}` }),
          resourceClass: i % 4 === 0 ? null : `rc-${i % 2}`,
          owner: i < 4 ? 'proj-a' : i < 7 ? 'proj-b' : null,
          lessee: i === 5 ? 'proj-a' : null,
          description: i === 2 ? 'rack 12, slot 4' : null,
          maintenance: i === 3,
          automatedClean: i === 1 ? true : i === 2 ? false : null,
          instanceUuid: i === 4 ? crypto.randomUUID() : null,
          shard: i % 2 ? 's1' : null,
          conductorGroup: i === 8 ? 'g2' : '',
          createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
          updatedAt: i % 2 ? new Date(Date.UTC(2026, 0, 2, 0, 0, 10 - i, 123)) : null,
          provisionUpdatedAt: i === 6 ? new Date(Date.UTC(2026, 5, 30, 12, 0, 0)) : null,
        },
      });
    }
  });
  after(async () => {
    await db?.$disconnect();
    await tdb?.drop();
  });

  const WHERES: NodeWhere[] = [
    {},
    { parentNode: null },
    { AND: [{ parentNode: null }, {}, {}] },
    { maintenance: true },
    { maintenance: false, retired: false },
    { instanceUuid: { not: null } },
    { instanceUuid: null },
    { shard: { in: ['s1', 'nope'] } },
    { shard: { not: null } },
    { shard: null },
    { description: { contains: 'rack 12' } },
    { OR: [{ owner: 'proj-a' }, { lessee: 'proj-a' }] },
    { AND: [{ driver: 'ipmi' }, { OR: [{ owner: 'proj-a' }, { lessee: 'proj-a' }] }, { conductorGroup: { in: [''] } }] },
    { conductorGroup: { in: [] } },
    { OR: [] },
    { resourceClass: 'rc-1', provisionState: 'enroll' },
  ];

  test('every filter shape: the rows Prisma finds, in its order, decoded alike', async () => {
    for (const where of WHERES) {
      const want = await db.node.findMany({ where, orderBy: [{ id: 'asc' }], take: 100 });
      const got = await selectNodeRows(db, { where, sortField: 'id', sortDir: 'asc', limit: 100 });
      assert.deepEqual(got, want, JSON.stringify(where));
    }
    const all = await selectNodeRows(db, { where: {}, sortField: 'id', sortDir: 'asc', limit: 100 });
    assert.equal(all.length, 9);
    assert.ok(all[1].updatedAt instanceof Date && all[1].updatedAt.getUTCMilliseconds() === 123);
    assert.equal(all[1].automatedClean, true);
    assert.equal(all[2].automatedClean, false);
    assert.equal(all[0].automatedClean, null);
  });

  test('an unsupported filter throws instead of being ignored', async () => {
    await assert.rejects(
      selectNodeRows(db, { where: { name: { startsWith: 'n' } }, sortField: 'id', sortDir: 'asc', limit: 5 }),
      /unsupported filter name.startsWith/,
    );
    await assert.rejects(
      selectNodeRows(db, { where: { nosuch: 1 }, sortField: 'id', sortDir: 'asc', limit: 5 }),
      /no column for field "nosuch"/,
    );
  });

  test('every sort key, both ways: Prisma order; pages after a marker walk the same list', async () => {
    for (const field of new Set(Object.values(SORTABLE)) as Set<keyof Node>) {
      for (const dir of ['asc', 'desc'] as const) {
        const label = `${field} ${dir}`;
        const orderBy = field === 'id' ? [{ id: dir }] : [{ [field]: dir }, { id: dir }];
        const want = (await db.node.findMany({ where: {}, orderBy, take: 100 })).map((n) => n.uuid);
        const whole = await selectNodeRows(db, { where: {}, sortField: field, sortDir: dir, limit: 100 });
        assert.deepEqual(
          whole.map((n) => n.uuid),
          want,
          label,
        );
        const walked: string[] = [];
        let marker: string | undefined;
        for (let pages = 0; pages < 20; pages++) {
          const after = marker === undefined ? undefined : await findMarker(db, marker, {}, field);
          const page = await selectNodeRows(db, { where: {}, sortField: field, sortDir: dir, limit: 2, after });
          walked.push(...page.map((n) => n.uuid));
          if (page.length < 2) break;
          marker = page[page.length - 1].uuid;
        }
        assert.deepEqual(walked, want, `${label}, paged by 2`);
      }
    }
  });

  test('a marker outside the where is not found', async () => {
    const [b] = await db.node.findMany({ where: { owner: 'proj-b' }, take: 1 });
    assert.equal(await findMarker(db, b.uuid, { OR: [{ owner: 'proj-a' }, { lessee: 'proj-a' }] }, 'id'), undefined);
    assert.ok(await findMarker(db, b.uuid, {}, 'id'));
  });
});
