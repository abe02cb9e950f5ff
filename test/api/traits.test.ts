// Node traits through the real `baremetal` CLI and the REST API: add, list, show with
// --fields, replace, remove one or all, and the errors (bad names, 51st trait, missing trait).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';

describe('node traits', () => {
  let stack: TestStack;
  let uuid: string;
  before(async () => {
    stack = await startStack({ worker: false });
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'gpu-0' });
    assert.equal(r.status, 201);
    uuid = r.body.uuid;
  });
  after(async () => stack.stop());

  test('baremetal node add trait / trait list / show --fields traits', async () => {
    const add = await baremetal(stack.url, ['node', 'add', 'trait', 'gpu-0', 'CUSTOM_GPU_A100', 'HW_CPU_X86_AVX2']);
    assert.equal(add.code, 0, add.stderr);
    const list = await baremetalJson(stack.url, ['node', 'trait', 'list', 'gpu-0']);
    assert.deepEqual(
      list.map((t: { Traits: string }) => t.Traits),
      ['CUSTOM_GPU_A100', 'HW_CPU_X86_AVX2'],
    );
    const show = await baremetalJson(stack.url, ['node', 'show', 'gpu-0', '--fields', 'uuid', 'traits']);
    assert.deepEqual(show.traits, ['CUSTOM_GPU_A100', 'HW_CPU_X86_AVX2']);
    assert.equal(show.uuid, uuid);
    // Adding one that is there already changes nothing and succeeds.
    assert.equal((await baremetal(stack.url, ['node', 'add', 'trait', 'gpu-0', 'CUSTOM_GPU_A100'])).code, 0);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${uuid}/traits`)).body.traits.length, 2);
  });

  test('traits show in node detail and list --fields, and hide below 1.37', async () => {
    const detail = await api(stack, 'GET', '/v1/nodes/detail');
    assert.deepEqual(detail.body.nodes.find((n: { uuid: string }) => n.uuid === uuid).traits, ['CUSTOM_GPU_A100', 'HW_CPU_X86_AVX2']);
    const fields = await api(stack, 'GET', '/v1/nodes?fields=uuid,traits');
    assert.deepEqual(fields.body.nodes[0].traits, ['CUSTOM_GPU_A100', 'HW_CPU_X86_AVX2']);
    const old = await api(stack, 'GET', `/v1/nodes/${uuid}`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.36' });
    assert.equal(old.body.traits, undefined);
    const oldList = await api(stack, 'GET', `/v1/nodes/${uuid}/traits`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.36' });
    assert.equal(oldList.status, 406);
  });

  test('the CLI reports a bad trait name with what a name looks like, and nothing is added', async () => {
    const r = await baremetal(stack.url, ['node', 'add', 'trait', 'gpu-0', 'gpu']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid trait 'gpu': use CUSTOM_ followed by upper-case letters.*\(HTTP 400\)/);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${uuid}/traits`)).body.traits.length, 2);
  });

  test('PUT /traits replaces all; DELETE one; removing a missing trait is 404; baremetal remove trait --all', async () => {
    const put = await api(stack, 'PUT', `/v1/nodes/${uuid}/traits`, { traits: ['CUSTOM_B', 'CUSTOM_A', 'CUSTOM_B'] });
    assert.equal(put.status, 204, put.text);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${uuid}/traits`)).body.traits, ['CUSTOM_A', 'CUSTOM_B']);
    assert.equal((await api(stack, 'DELETE', `/v1/nodes/${uuid}/traits/CUSTOM_A`)).status, 204);
    const missing = await baremetal(stack.url, ['node', 'remove', 'trait', 'gpu-0', 'CUSTOM_A']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /doesn't have a trait 'CUSTOM_A'/);
    const all = await baremetal(stack.url, ['node', 'remove', 'trait', 'gpu-0', '--all']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${uuid}/traits`)).body.traits, []);
  });

  test('50 traits fit; the 51st is refused with the limit', async () => {
    const fifty = Array.from({ length: 50 }, (_v, i) => `CUSTOM_T${String(i).padStart(2, '0')}`);
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${uuid}/traits`, { traits: fifty })).status, 204);
    const r = await api(stack, 'PUT', `/v1/nodes/${uuid}/traits/CUSTOM_ONE_MORE`);
    assert.equal(r.status, 400);
    assert.match(faultOf(r.body), /has 50 traits, the most a node may have is 50/);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${uuid}/traits`)).body.traits.length, 50);
    assert.equal((await api(stack, 'DELETE', `/v1/nodes/${uuid}/traits`)).status, 204);
  });

  test('traits go with the node: deleting it deletes them', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'gone' })).body;
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${n.uuid}/traits/CUSTOM_X`)).status, 204);
    assert.equal((await api(stack, 'DELETE', `/v1/nodes/${n.uuid}`)).status, 204);
    assert.equal(await stack.db.nodeTrait.count({ where: { trait: 'CUSTOM_X' } }), 0);
  });
});
