// The ramdisk callback endpoint: authenticated by the per-deployment secret, each
// seq acted on once; unknown, wrong-secret, expired or replayed callbacks change nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { dbSnapshot } from '../support/snapshot';
import { historyText } from '../support/history-text';
import { sealValue } from '#prisma/sealed-json';
import { waitFor } from '../support/procs';

const INVENTORY = {
  cpu: { count: 4, model_name: 'QEMU Virtual CPU', architecture: 'x86_64', frequency: '2300', flags: ['lm'] },
  memory: { total: 4_100_000_000, physical_mb: 4096 },
  disks: [{ name: '/dev/vda', size: 2147483648, model: null, vendor: '0x1af4', serial: null, wwn: null, rotational: true, by_path: null }],
  interfaces: [
    {
      name: 'eth0',
      mac_address: '52:54:00:00:00:01',
      ipv4_address: null,
      driver: 'virtio_net',
      has_carrier: true,
      speed_mbps: null,
      pxe_booted: true,
    },
  ],
  system_vendor: { manufacturer: 'QEMU', product_name: 'Standard PC', serial_number: null },
  boot: { current_boot_mode: 'bios', pxe_interface: '52:54:00:00:00:01' },
};

describe('ramdisk callbacks', () => {
  let stack: TestStack;
  const secret = crypto.randomBytes(24).toString('base64url');
  let id: string;
  let workflowId: string;
  /** s = null sends no secret header. */
  const call = (body: unknown, s: string | null = secret, dep = id) =>
    api(stack, 'POST', `/v1/deployments/${dep}/callback`, body, s === null ? {} : { 'X-Ironflow-Secret': s });

  before(async () => {
    // Token auth on: the callback must not need an API token.
    stack = await startStack({
      worker: false,
      auth: { mode: 'token', tokens: [{ name: 'ops', role: 'admin', token: 'a-long-admin-token-123' }] },
    });
    // A workflow that only collects signals stands in for a deploy: start one on a queue no worker polls.
    workflowId = `node-${crypto.randomUUID()}`;
    const h = await stack.temporal.workflow.start('deployNode', {
      workflowId,
      taskQueue: `${stack.cfg.temporal.taskQueue}-idle`,
      args: [{}],
    });
    id = crypto.randomUUID();
    await stack.db.deployment.create({
      data: {
        id,
        nodeUuid: workflowId.slice(5),
        workflowId,
        runId: h.firstExecutionRunId,
        mode: 'iscsi',
        secret: sealValue(secret, stack.cfg.keys),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
  });
  after(async () => {
    await stack.temporal.workflow
      .getHandle(workflowId)
      .terminate('test over')
      .catch(() => undefined);
    await stack.stop();
  });

  test('a good callback is acknowledged with the current command and signalled to the workflow once', async () => {
    const r = await call({ seq: 10, event: 'ready', address: '127.0.0.1', port: 3260, iqn: 'iqn.2026-11.dev.ironflow:x' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { ack: 10, command: 'wait', args: {} });
    const replay = await call({ seq: 10, event: 'ready', address: '127.0.0.1', port: 3260, iqn: 'iqn.2026-11.dev.ironflow:x' });
    assert.deepEqual(replay.body, r.body, 'a replay gets the same answer');
    await stack.db.deployment.update({ where: { id }, data: { command: 'done' } });
    assert.deepEqual((await call({ seq: 11, event: 'poll' })).body, { ack: 11, command: 'done', args: {} });
    assert.deepEqual((await call({ seq: 10, event: 'ready' })).body.ack, 10, 'an old seq is answered, not acted on');
    const hist = await waitFor(
      async () => {
        const events = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
        const signals = (events.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
        return signals.length >= 1 ? signals : undefined;
      },
      10_000,
      'signal',
    );
    assert.equal(hist.length, 1, 'the ready event reached the workflow exactly once');
    const raw = historyText(await stack.temporal.workflow.getHandle(workflowId).fetchHistory());
    assert.ok(!raw.includes(secret), 'the secret is not in the workflow history');
  });

  test('bad callbacks change nothing', async () => {
    const cases: [string, () => ReturnType<typeof call>, number, RegExp][] = [
      ['wrong secret', () => call({ seq: 20, event: 'poll' }, 'not-the-secret'), 401, /wrong or missing X-Ironflow-Secret/],
      ['missing secret', () => call({ seq: 20, event: 'poll' }, null), 401, /wrong or missing/],
      ['unknown deployment', () => call({ seq: 20, event: 'poll' }, secret, crypto.randomUUID()), 404, /could not be found/],
      ['malformed id', () => call({ seq: 20, event: 'poll' }, secret, '..%2F..%2Fetc'), 404, /could not be found/],
      ['bad seq', () => call({ seq: 'x', event: 'poll' }), 400, /seq must be a non-negative integer/],
      ['bad event', () => call({ seq: 21, event: 'format-disk' }), 400, /event must be one of/],
      [
        'inventory of the wrong shape',
        () => call({ seq: 22, event: 'inventory', inventory: { ...INVENTORY, disks: [{ ...INVENTORY.disks[0], size: '2G' }] } }),
        400,
        /inventory\.disks\[0\]\.size has the wrong type/,
      ],
      [
        'inventory over 64 KiB',
        () => call({ seq: 23, event: 'inventory', inventory: { ...INVENTORY, pad: 'x'.repeat(70_000) } }),
        400,
        /inventory must be at most 65536 bytes/,
      ],
      [
        'credentials outside rescue mode',
        () => call({ seq: 24, event: 'credentials' }),
        400,
        /only given to a rescue ramdisk, not in iscsi mode/,
      ],
      [
        'not JSON',
        () => api(stack, 'POST', `/v1/deployments/${id}/callback`, '{oops', { 'X-Ironflow-Secret': secret }),
        400,
        /Malformed JSON/,
      ],
    ];
    for (const [name, fn, status, msg] of cases) {
      const before = await dbSnapshot(stack.db);
      const dep = await stack.db.deployment.findUniqueOrThrow({ where: { id } });
      const r = await fn();
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.match(faultOf(r.body), msg, name);
      assert.equal(await dbSnapshot(stack.db), before, `${name}: database changed`);
      assert.deepEqual(await stack.db.deployment.findUniqueOrThrow({ where: { id } }), dep, `${name}: deployment changed`);
    }
  });

  test('an inventory callback is stored; the workflow gets its id, never the inventory', async () => {
    const nodeUuid = workflowId.slice(5);
    // The node must exist: without it the deployment is over (410).
    const gone = await call({ seq: 29, event: 'inventory', inventory: INVENTORY });
    assert.equal(gone.status, 410, gone.text);
    await stack.db.node.create({ data: { uuid: nodeUuid, driver: 'fake-hardware' } });
    const r = await call({ seq: 30, event: 'inventory', inventory: INVENTORY });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ack, 30);
    const row = await stack.db.nodeInventory.findUniqueOrThrow({ where: { deploymentId: id } });
    assert.deepEqual(JSON.parse(row.inventory), INVENTORY);
    assert.equal(row.appliedAt, null);
    await waitFor(
      async () => historyText(await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).includes(`"inventoryId":"${row.id}"`),
      10_000,
      'the inventory signal',
    );
    assert.ok(!historyText(await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).includes('physical_mb'));
  });

  test("a rescue ramdisk's credentials callback gets the sealed hash, each time, without a signal or a stored answer", async () => {
    const hash = '$6$abcdefgh$bp46WUxDu2cphMRE0PvVJlqas2imuSq186YS793XKfmqn9XUEL17HECskUTZInaNigNndLLYc7A6yWBmFEFn3/';
    const auth = { 'X-Auth-Token': 'a-long-admin-token-123' };
    const n = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', instance_info: { hashed_rescue_password: hash } }, auth);
    assert.equal(n.status, 201, n.text);
    assert.equal(n.body.instance_info.hashed_rescue_password, '******');
    const rescueId = crypto.randomUUID();
    const dep = await stack.db.deployment.create({
      data: {
        id: rescueId,
        nodeUuid: n.body.uuid,
        workflowId,
        runId: (await stack.temporal.workflow.getHandle(workflowId).describe()).runId,
        mode: 'rescue',
        secret: sealValue(secret, stack.cfg.keys),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    const signals = async () =>
      ((await stack.temporal.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes,
      ).length;
    const before = await signals();
    for (const seq of [40, 40, 41]) {
      const r = await call({ seq, event: 'credentials' }, secret, rescueId);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { ack: seq, command: 'wait', args: { password_hash: hash } });
    }
    assert.deepEqual(await stack.db.deployment.findUniqueOrThrow({ where: { id: rescueId } }), dep, 'nothing recorded');
    assert.equal(await signals(), before, 'nothing signalled');
    assert.equal((await call({ seq: 42, event: 'credentials' }, 'wrong-secret', rescueId)).status, 401);
    // Once unrescue has cleared it: 410, the ramdisk stops.
    await stack.db.node.update({ where: { uuid: n.body.uuid }, data: { instanceInfo: '{}' } });
    assert.equal((await call({ seq: 43, event: 'credentials' }, secret, rescueId)).status, 410);
  });

  test('a closed or expired deployment answers 410, which stops the ramdisk', async () => {
    await stack.db.deployment.update({ where: { id }, data: { status: 'closed' } });
    const r = await call({ seq: 30, event: 'poll' });
    assert.equal(r.status, 410);
    assert.match(faultOf(r.body), /is over/);
    await stack.db.deployment.update({ where: { id }, data: { status: 'active', expiresAt: new Date(Date.now() - 1000) } });
    assert.equal((await call({ seq: 31, event: 'poll' })).status, 410);
  });
});
