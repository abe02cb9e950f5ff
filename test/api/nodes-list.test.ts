// Listing nodes: filters, fields, sorting, and limit/marker paging with `next` links.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, startStack, type TestStack } from '../support/stack';
import { baremetalJson } from '../support/baremetal';

describe('node listing', () => {
  let stack: TestStack;
  const uuids: string[] = [];
  before(async () => {
    stack = await startStack({ worker: false, maxLimit: 4 });
    for (let i = 0; i < 7; i++) {
      const r = await api(stack, 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name: `node-${i}`,
        resource_class: i % 2 ? 'gpu' : 'std',
        owner: i < 3 ? 'proj-a' : 'proj-b',
        maintenance: i === 6,
        instance_uuid: i === 5 ? '00000000-0000-4000-8000-000000000005' : undefined,
        description: i === 4 ? 'rack 12, slot 4' : undefined,
      });
      assert.equal(r.status, 201, r.text);
      uuids.push(r.body.uuid);
    }
  });
  after(async () => stack.stop());

  test('the default list has exactly the six columns plus links', async () => {
    const r = await api(stack, 'GET', '/v1/nodes?limit=1');
    assert.deepEqual(Object.keys(r.body.nodes[0]).sort(), [
      'instance_uuid',
      'links',
      'maintenance',
      'name',
      'power_state',
      'provision_state',
      'uuid',
    ]);
  });

  test('max_limit caps a page and `next` walks the rest in insertion order', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/v1/nodes/';
    let pages = 0;
    while (path) {
      const r = await api(stack, 'GET', path);
      seen.push(...r.body.nodes.map((n: { uuid: string }) => n.uuid));
      path = r.body.next ? new URL(r.body.next).pathname + new URL(r.body.next).search : undefined;
      pages++;
    }
    assert.deepEqual(seen, uuids);
    assert.equal(pages, 2);
  });

  test('limit, marker and sort_dir=desc', async () => {
    const r = await api(stack, 'GET', `/v1/nodes?limit=2&sort_key=name&sort_dir=desc&marker=${uuids[5]}`);
    assert.deepEqual(
      r.body.nodes.map((n: { name: string }) => n.name),
      ['node-4', 'node-3'],
    );
    assert.match(r.body.next, /sort_key=name&sort_dir=desc.*limit=2&marker=/);
  });

  test('unknown marker is 404', async () => {
    assert.equal((await api(stack, 'GET', '/v1/nodes?marker=11111111-2222-3333-4444-555555555555')).status, 404);
  });

  test('filters combine with AND', async () => {
    const q = async (qs: string) => (await api(stack, 'GET', `/v1/nodes/detail?${qs}`)).body.nodes.map((n: { name: string }) => n.name);
    assert.deepEqual(await q('resource_class=gpu&owner=proj-b'), ['node-3', 'node-5']);
    assert.deepEqual(await q('maintenance=true'), ['node-6']);
    assert.deepEqual(await q('associated=True'), ['node-5']);
    assert.deepEqual(await q('description_contains=slot'), ['node-4']);
    assert.deepEqual(await q('project=proj-a&provision_state=enroll&limit=2'), ['node-0', 'node-1']);
    assert.deepEqual(await q('driver=nosuch'), []);
  });

  test('fields selects keys; detail returns every field', async () => {
    const f = await api(stack, 'GET', '/v1/nodes?fields=uuid,resource_class&limit=1');
    assert.deepEqual(Object.keys(f.body.nodes[0]).sort(), ['links', 'resource_class', 'uuid']);
    const d = await api(stack, 'GET', '/v1/nodes/detail?limit=1');
    assert.equal(Object.keys(d.body.nodes[0]).length >= 60, true);
    assert.equal(d.body.nodes[0].provision_state, 'enroll');
  });

  test('baremetal node list --limit 0 follows next links; --limit 3 stops at 3', async () => {
    assert.equal((await baremetalJson(stack.url, ['node', 'list', '--limit', '0'])).length, 7);
    assert.equal((await baremetalJson(stack.url, ['node', 'list', '--limit', '3'])).length, 3);
  });
});

describe('a full page of 1000 nodes', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
    // Straight into the database: this is about listing, and a page of 1000 hits SQLite's 999-parameter limit if any query binds one parameter per node.
    await stack.db.node.createMany({
      data: Array.from({ length: 1000 }, (_, i) => ({
        uuid: crypto.randomUUID(),
        name: `bulk-${i}`,
        driver: 'ipmi',
        createdAt: new Date(),
      })),
    });
    const busy = await stack.db.node.findFirstOrThrow({ where: { name: 'bulk-500' } });
    await stack.db.operation.create({
      data: { nodeId: busy.id, nodeUuid: busy.uuid, kind: 'deploy', workflowId: `node-${busy.uuid}`, runId: crypto.randomUUID() },
    });
  });
  after(async () => stack.stop());

  test('GET /v1/nodes and /detail return all 1000, with the busy one reserved', async () => {
    const list = await api(stack, 'GET', '/v1/nodes');
    assert.equal(list.status, 200, list.text.slice(0, 300));
    assert.equal(list.body.nodes.length, 1000);
    const detail = await api(stack, 'GET', '/v1/nodes/detail');
    assert.equal(detail.status, 200, detail.text.slice(0, 300));
    const reserved = detail.body.nodes.filter((n: any) => n.reservation !== null).map((n: any) => n.name);
    assert.deepEqual(reserved, ['bulk-500']);
  });
});
