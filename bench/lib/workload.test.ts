// The workload against a real Ironflow API (in-process, with a Temporal dev server and a SQLite file).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, type TestStack } from '#test/support/stack';
import { call } from './ironic-http';
import { enroll, macOf, nodeBody, timeList } from './workload';

describe('API workload', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => {
    await stack?.stop();
  });

  test('MACs are distinct and well formed', () => {
    assert.equal(macOf(0), '52:54:00:00:00:00');
    assert.equal(macOf(0x01ff), '52:54:00:00:01:ff');
    assert.equal(new Set(Array.from({ length: 5000 }, (_, i) => macOf(i))).size, 5000);
    assert.equal((nodeBody(4).driver_info as { ipmi_port: number }).ipmi_port, 9704);
  });

  test('enrolls N nodes with one port each, then lists them', async () => {
    const r = await enroll(stack.url, 12, 3);
    assert.equal(r.failures, 0, r.firstFailure);
    assert.equal(r.enrolled, 12);
    assert.equal(r.nodesCreated, 12);
    assert.equal(r.nodePost.n, 12);
    assert.equal(r.portPost.n, 12);
    assert.ok(r.seconds > 0 && r.nodesPerSecond > 0);

    const ports = (await call(stack.url, 'GET', '/v1/ports?limit=100')).body as { ports: { address: string }[] };
    assert.deepEqual(ports.ports.map((p) => p.address).sort(), Array.from({ length: 12 }, (_, i) => macOf(i)).sort());

    const list = await timeList(stack.url, '/v1/nodes', 4);
    assert.equal(list.failures, 0, list.firstFailure);
    assert.equal(list.items, 12);
    assert.equal(list.latency?.n, 4);
    const detail = await timeList(stack.url, '/v1/nodes/detail', 2);
    assert.equal(detail.items, 12);
    assert.ok(detail.bytes > list.bytes, 'detail carries more than the short list');
  });

  test('failed list requests are counted with their reason, not thrown', async () => {
    const r = await timeList(stack.url, '/v1/nodes?sort_key=bogus', 3);
    assert.equal(r.failures, 3);
    assert.equal(r.latency, undefined);
    assert.match(r.firstFailure ?? '', /GET \/v1\/nodes\?sort_key=bogus: HTTP 400/);
  });

  test('enrolling the same names again counts every failure and keeps the first reason', async () => {
    await assert.rejects(enroll(stack.url, 3, 2), /enroll failed for every node: POST \/v1\/nodes: HTTP 409/);
  });
});
