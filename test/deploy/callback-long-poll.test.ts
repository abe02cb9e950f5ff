// The long-poll behind a ramdisk's `poll` (ramdisk/PROTOCOL.md): a poll that carries hold_ms is
// held while the command is `wait` and answered with the command the workflow sets meanwhile;
// the command stays in the database, so a poll whose connection died is simply sent again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, startStack, type TestStack } from '../support/stack';
import { sealValue } from '#prisma/sealed-json';
import { waitFor } from '../support/procs';

describe('ramdisk long-poll', () => {
  let stack: TestStack;
  let workflowId: string;
  let runId: string;
  const secret = crypto.randomBytes(24).toString('base64url');
  const call = (dep: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${stack.url}/v1/deployments/${dep}/callback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Ironflow-Secret': secret },
      body: JSON.stringify(body),
      signal,
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
  const setCommand = (id: string, command: string) => stack.db.deployment.update({ where: { id }, data: { command } });
  /** A deployment of the stand-in workflow, command `wait`. */
  async function deployment(): Promise<string> {
    const id = crypto.randomUUID();
    await stack.db.deployment.create({
      data: {
        id,
        nodeUuid: workflowId.slice(5),
        workflowId,
        runId,
        mode: 'iscsi',
        secret: sealValue(secret, stack.cfg.keys),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    return id;
  }
  /** True once the API has seen the request and not answered it (the poll is being held). */
  async function heldFor(p: Promise<unknown>, id: string): Promise<void> {
    let answered = false;
    void p.then(() => (answered = true));
    // The held poll reads the row at least once per tick; after a few ticks it is still unanswered.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(answered, false, `the poll of ${id} was answered at once instead of held`);
  }

  before(async () => {
    stack = await startStack({ worker: false });
    workflowId = `node-${crypto.randomUUID()}`;
    const h = await stack.temporal.workflow.start('deployNode', {
      workflowId,
      taskQueue: `${stack.cfg.temporal.taskQueue}-idle`,
      args: [{}],
    });
    runId = h.firstExecutionRunId;
  });
  after(async () => {
    await stack.temporal.workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch(() => undefined);
    await stack.stop();
  });

  test('a held poll is answered with the command set while it waits, and that answer is recorded', async () => {
    const id = await deployment();
    const poll = call(id, { seq: 100, event: 'poll', hold_ms: 15_000 });
    await heldFor(poll, id);
    await setCommand(id, 'done');
    const r = await poll;
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { ack: 100, command: 'done', args: {}, next_poll_ms: 0 });
    const row = await stack.db.deployment.findUniqueOrThrow({ where: { id } });
    assert.equal(Number(row.lastSeq), 100);
    assert.equal(JSON.parse(row.lastAnswer!).command, 'done', 'what waitDoneDelivered reads');
    const replay = await call(id, { seq: 100, event: 'poll', hold_ms: 15_000 });
    assert.deepEqual(replay.body, r.body, 'a retry of the same seq gets the same answer at once');
  });

  test('a hold that runs out answers `wait` and asks for the next poll at once', async () => {
    const id = await deployment();
    const r = await call(id, { seq: 200, event: 'poll', hold_ms: 200 });
    assert.deepEqual(r.body, { ack: 200, command: 'wait', args: {}, next_poll_ms: 0 });
  });

  test('a poll without hold_ms (a ramdisk that polls plainly) is answered at once, as before', async () => {
    const id = await deployment();
    const r = await call(id, { seq: 300, event: 'poll' });
    assert.deepEqual(r.body, { ack: 300, command: 'wait', args: {} });
    const other = await call(id, { seq: 301, event: 'ready', address: '127.0.0.1', port: 3260, iqn: 'iqn.2026-12.dev.ironflow:x' });
    assert.equal(other.body.next_poll_ms, undefined, 'only polls are held');
  });

  test('a deployment closed while its poll is held answers 410 (the ramdisk stops)', async () => {
    const id = await deployment();
    const poll = call(id, { seq: 400, event: 'poll', hold_ms: 15_000 });
    await heldFor(poll, id);
    await stack.db.deployment.update({ where: { id }, data: { status: 'closed', closedAt: new Date() } });
    assert.equal((await poll).status, 410);
  });

  test('a held poll whose connection dies loses no command: the re-sent poll gets it', async () => {
    const id = await deployment();
    const abort = new AbortController();
    const lost = call(id, { seq: 500, event: 'poll', hold_ms: 15_000 }, abort.signal).catch((e: Error) => e);
    await heldFor(lost, id);
    abort.abort();
    assert.ok((await lost) instanceof Error, 'the first poll got no answer');
    await setCommand(id, 'done');
    // The ramdisk re-sends the identical body after its backoff.
    const again = await call(id, { seq: 500, event: 'poll', hold_ms: 15_000 });
    assert.equal(again.body.command, 'done');
    await waitFor(
      async () => {
        const row = await stack.db.deployment.findUniqueOrThrow({ where: { id } });
        return row.lastAnswer && JSON.parse(row.lastAnswer).command === 'done';
      },
      10_000,
      'done recorded as delivered',
    );
  });

  test('a bad hold_ms is a 400', async () => {
    const id = await deployment();
    const r = await api(
      stack,
      'POST',
      `/v1/deployments/${id}/callback`,
      { seq: 600, event: 'poll', hold_ms: -1 },
      { 'X-Ironflow-Secret': secret },
    );
    assert.equal(r.status, 400);
  });
});
