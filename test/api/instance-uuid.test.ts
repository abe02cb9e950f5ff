// instance_uuid as Nova uses it: PATCH set / overwrite (409) / duplicate (409) / remove, and
// the ?instance_uuid= and ?associated= filters on /v1/nodes and /v1/nodes/detail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';

const V = { 'X-OpenStack-Ironic-API-Version': 'latest' };
const I1 = '6f1c7f7e-0000-4000-8000-000000000001';
const I2 = '6f1c7f7e-0000-4000-8000-000000000002';

describe('instance_uuid', () => {
  let stack: TestStack;
  let a: string;
  let b: string;
  before(async () => {
    stack = await startStack({ worker: false });
    a = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'iu-a' }, V)).body.uuid;
    b = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'iu-b' }, V)).body.uuid;
  });
  after(async () => stack.stop());

  const set = (id: string, value: string) => api(stack, 'PATCH', `/v1/nodes/${id}`, [{ op: 'add', path: '/instance_uuid', value }], V);
  const uuids = (r: { body: { nodes: { uuid: string }[] } }) => r.body.nodes.map((n) => n.uuid);

  test('PATCH sets it; the filters find the node on /nodes and /nodes/detail; associated splits the list', async () => {
    const r = await set(a, I1);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.instance_uuid, I1);
    assert.deepEqual(uuids(await api(stack, 'GET', `/v1/nodes?instance_uuid=${I1}`, undefined, V)), [a]);
    const detail = await api(stack, 'GET', `/v1/nodes/detail?instance_uuid=${I1}`, undefined, V);
    assert.deepEqual(uuids(detail), [a]);
    assert.equal(detail.body.nodes[0].instance_uuid, I1);
    assert.deepEqual(uuids(await api(stack, 'GET', `/v1/nodes?instance_uuid=${I2}`, undefined, V)), []);
    assert.deepEqual(uuids(await api(stack, 'GET', '/v1/nodes?associated=true', undefined, V)), [a]);
    assert.deepEqual(uuids(await api(stack, 'GET', '/v1/nodes?associated=False', undefined, V)), [b]);
  });

  test('another node may not take the same instance (409); the node keeps its instance until it is removed (409)', async () => {
    const dup = await set(b, I1);
    assert.equal(dup.status, 409, dup.text);
    assert.match(faultOf(dup.body), new RegExp(`instance UUID ${I1} already exists|associated with instance ${I1}`));
    assert.equal((await api(stack, 'GET', `/v1/nodes/${b}`, undefined, V)).body.instance_uuid, null);
    const over = await set(a, I2);
    assert.equal(over.status, 409, over.text);
    assert.match(
      faultOf(over.body),
      new RegExp(`Node ${a} is associated with instance ${I1}: remove /instance_uuid before setting another`),
    );
    assert.equal((await api(stack, 'GET', `/v1/nodes/${a}`, undefined, V)).body.instance_uuid, I1);
    assert.equal((await set(a, I1)).status, 200, 'setting the same value again is no change');
  });

  test('remove unsets it; then another instance may be set; a bad UUID or filter is 400', async () => {
    const r = await api(stack, 'PATCH', `/v1/nodes/${a}`, [{ op: 'remove', path: '/instance_uuid' }], V);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.instance_uuid, null);
    assert.equal((await set(a, I2)).status, 200);
    const bad = await set(b, 'not-a-uuid');
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /Expected UUID for instance_uuid: not-a-uuid/);
    const badFilter = await api(stack, 'GET', '/v1/nodes?instance_uuid=xyz', undefined, V);
    assert.equal(badFilter.status, 400);
    const badAssoc = await api(stack, 'GET', '/v1/nodes?associated=maybe', undefined, V);
    assert.equal(badAssoc.status, 400);
  });
});
