// The one provision-state compare-and-set (prisma/node-operations.ts moveProvisionState)
// on a real SQLite database: moved, already, conflict, each with its history row; a caller
// that refuses a non-move rolls the row back with its transaction.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '#prisma/migrate';
import { openDatabase, type Database } from '#prisma/database';
import { moveProvisionState } from '#prisma/node-operations';
import type { ProvisionState } from '#workflows/contracts/states';
import { repoRoot } from '#apps/shared/repo-root';

const UUID = '00000000-0000-4000-8000-0000000000a1';
let dir: string;
let db: Database;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-move-'));
  const url = `file:${path.join(dir, 'ironflow.db')}`;
  await migrate(url, repoRoot());
  db = openDatabase(url);
  await db.node.create({ data: { uuid: UUID, driver: 'ipmi', provisionState: 'deploying' } });
});
after(async () => {
  await db?.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

const history = () => db.historyEvent.findMany({ where: { nodeUuid: UUID }, orderBy: { id: 'asc' } });
const move = (from: ProvisionState, to: ProvisionState) =>
  db.$transaction((tx) =>
    moveProvisionState(tx, {
      nodeUuid: UUID,
      from,
      to,
      data: { targetProvisionState: 'active' },
      history: { event: `${from} -> ${to}`, actor: 'tester', requestId: 'req-1' },
    }),
  );

test('moved: the state and the extra columns change, one history row with from/to', async () => {
  assert.equal(await move('deploying', 'wait call-back'), 'moved');
  const n = await db.node.findUniqueOrThrow({ where: { uuid: UUID } });
  assert.equal(n.provisionState, 'wait call-back');
  assert.equal(n.targetProvisionState, 'active');
  assert.ok(n.provisionUpdatedAt);
  const h = (await history()).at(-1)!;
  assert.deepEqual(
    [h.event, h.fromState, h.toState, h.actor, h.requestId, h.eventType],
    ['deploying -> wait call-back', 'deploying', 'wait call-back', 'tester', 'req-1', 'provisioning'],
  );
});

test('already: a repeated move changes nothing and says so in its history row', async () => {
  const before = await db.node.findUniqueOrThrow({ where: { uuid: UUID } });
  assert.equal(await move('deploying', 'wait call-back'), 'already');
  assert.deepEqual(await db.node.findUniqueOrThrow({ where: { uuid: UUID } }), before);
  const h = (await history()).at(-1)!;
  assert.deepEqual([h.event, h.fromState, h.toState], ['deploying -> wait call-back (already wait call-back)', null, null]);
});

test('conflict: a node somewhere else is not moved; the row names where it is', async () => {
  assert.equal(await move('active', 'deleting'), 'conflict');
  assert.equal((await db.node.findUniqueOrThrow({ where: { uuid: UUID } })).provisionState, 'wait call-back');
  const h = (await history()).at(-1)!;
  assert.equal(h.event, 'active -> deleting (not moved: node is wait call-back, expected active)');
  assert.equal(h.severity, 'WARNING');
});

test('a caller that refuses a non-move rolls back the history row with it', async () => {
  const rows = (await history()).length;
  await assert.rejects(
    db.$transaction(async (tx) => {
      const r = await moveProvisionState(tx, { nodeUuid: UUID, from: 'available', to: 'manageable', history: { event: 'manage' } });
      if (r !== 'moved') throw new Error('refused');
    }),
    /refused/,
  );
  assert.equal((await history()).length, rows);
});
