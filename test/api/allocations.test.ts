// Allocations (1.52+) through the real `baremetal` CLI and the REST API: create by
// resource class and traits, list, show with --fields, delete (release), backfill, owner
// and candidates, the errors; and 50 concurrent creates for 10 matching nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';

const V = { 'X-OpenStack-Ironic-API-Version': '1.95' };

describe('allocations', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => stack.stop());

  /** Enrolls `count` fake-hardware nodes of a resource class, straight to available (this stack runs no workflows). */
  async function availableNodes(
    prefix: string,
    count: number,
    extra: Record<string, unknown> = {},
    traits: string[] = [],
  ): Promise<string[]> {
    const uuids: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: `${prefix}-${i}`, ...extra }, V);
      assert.equal(r.status, 201, r.text);
      if (traits.length) assert.equal((await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/traits`, { traits }, V)).status, 204);
      await stack.db.node.update({ where: { uuid: r.body.uuid }, data: { provisionState: 'available', powerState: 'power off' } });
      uuids.push(r.body.uuid);
    }
    return uuids;
  }

  test('baremetal allocation create / show --fields / list; the node carries allocation_uuid and instance_uuid', async () => {
    const gpus = await availableNodes('gpu', 2, { resource_class: 'gpu' }, ['CUSTOM_GPU']);
    await availableNodes('plain-gpu', 1, { resource_class: 'gpu' });
    const a = await baremetalJson(stack.url, [
      'allocation',
      'create',
      '--resource-class',
      'gpu',
      '--trait',
      'CUSTOM_GPU',
      '--name',
      'job-1',
      '--wait',
    ]);
    assert.equal(a.state, 'active');
    assert.ok(gpus.includes(a.node_uuid), 'a node with the trait');
    const shown = await baremetalJson(stack.url, ['allocation', 'show', 'job-1', '--fields', 'uuid', 'state', 'node_uuid']);
    assert.deepEqual(Object.keys(shown).sort(), ['node_uuid', 'state', 'uuid']);
    assert.equal(shown.uuid, a.uuid);
    const list = await baremetalJson(stack.url, ['allocation', 'list', '--state', 'active']);
    assert.ok(list.some((x: { UUID: string }) => x.UUID === a.uuid));
    const node = await api(stack, 'GET', `/v1/nodes/${a.node_uuid}`, undefined, V);
    assert.equal(node.body.allocation_uuid, a.uuid);
    assert.equal(node.body.instance_uuid, a.uuid);
    const ofNode = await api(stack, 'GET', `/v1/nodes/${a.node_uuid}/allocation`, undefined, V);
    assert.equal(ofNode.body.uuid, a.uuid);
  });

  test('nothing matches: the allocation ends in error with last_error saying why', async () => {
    const r = await baremetal(stack.url, [
      'allocation',
      'create',
      '--resource-class',
      'no-such-class',
      '--name',
      'job-none',
      '--wait',
      '-f',
      'json',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no available nodes match the resource class no-such-class/);
    const a = await api(stack, 'GET', '/v1/allocations/job-none', undefined, V);
    assert.equal(a.body.state, 'error');
    assert.equal(a.body.node_uuid, null);
    const traits = await api(stack, 'POST', '/v1/allocations', { resource_class: 'gpu', traits: ['CUSTOM_NOWHERE'] }, V);
    assert.equal(traits.status, 201);
    assert.equal(traits.body.state, 'error');
    assert.match(traits.body.last_error, /no suitable nodes have the requested traits CUSTOM_NOWHERE/);
  });

  test('baremetal allocation delete releases the node', async () => {
    const a = (await api(stack, 'GET', '/v1/allocations/job-1', undefined, V)).body;
    const d = await baremetal(stack.url, ['allocation', 'delete', 'job-1']);
    assert.equal(d.code, 0, d.stderr);
    const node = await api(stack, 'GET', `/v1/nodes/${a.node_uuid}`, undefined, V);
    assert.equal(node.body.allocation_uuid, null);
    assert.equal(node.body.instance_uuid, null);
    assert.equal((await api(stack, 'GET', '/v1/allocations/job-1', undefined, V)).status, 404);
    const missing = await baremetal(stack.url, ['allocation', 'delete', 'job-1']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Allocation job-1 could not be found/);
  });

  test('candidate_nodes, a name matching a node (1.79), and owner (owned or leased nodes only)', async () => {
    const [c0, c1, c2] = await availableNodes('cand', 3, { resource_class: 'cand' });
    const picked = await api(stack, 'POST', '/v1/allocations', { resource_class: 'cand', candidate_nodes: ['cand-2'] }, V);
    assert.equal(picked.body.state, 'active', picked.text);
    assert.equal(picked.body.node_uuid, c2);
    assert.deepEqual(picked.body.candidate_nodes, [c2]);
    const named = await api(stack, 'POST', '/v1/allocations', { resource_class: 'cand', name: 'cand-1' }, V);
    assert.equal(named.body.node_uuid, c1);
    const taken = await api(stack, 'POST', '/v1/allocations', { resource_class: 'cand', candidate_nodes: [c1, c2] }, V);
    assert.equal(taken.body.state, 'error');
    assert.match(taken.body.last_error, /none of the requested nodes are available/);
    assert.ok(c0);

    const [owned] = await availableNodes('owned', 1, { resource_class: 'tenant', owner: 'proj-a' });
    const [leased] = await availableNodes('leased', 1, { resource_class: 'tenant', lessee: 'proj-b' });
    await availableNodes('other', 1, { resource_class: 'tenant', owner: 'proj-c' });
    const a = await api(stack, 'POST', '/v1/allocations', { resource_class: 'tenant', owner: 'proj-a' }, V);
    assert.equal(a.body.node_uuid, owned);
    assert.equal(a.body.owner, 'proj-a');
    const b = await api(stack, 'POST', '/v1/allocations', { resource_class: 'tenant', owner: 'proj-b' }, V);
    assert.equal(b.body.node_uuid, leased);
    const none = await api(stack, 'POST', '/v1/allocations', { resource_class: 'tenant', owner: 'proj-a' }, V);
    assert.equal(none.body.state, 'error');
    assert.match(none.body.last_error, /owned or leased by project proj-a/);
  });

  test('backfill: an active node with an instance gets an allocation under its instance UUID; other states are refused', async () => {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'deployed', resource_class: 'bf' }, V);
    const instance = '3b9f2a4e-1111-4c1d-9e1e-000000000001';
    await stack.db.node.update({ where: { uuid: r.body.uuid }, data: { provisionState: 'active', instanceUuid: instance } });
    const a = await api(stack, 'POST', '/v1/allocations', { node: 'deployed' }, V);
    assert.equal(a.status, 201, a.text);
    assert.equal(a.body.state, 'active');
    assert.equal(a.body.uuid, instance);
    assert.equal(a.body.resource_class, 'bf');
    assert.equal((await api(stack, 'GET', '/v1/nodes/deployed', undefined, V)).body.allocation_uuid, instance);
    const active = await api(stack, 'DELETE', `/v1/allocations/${instance}`, undefined, V);
    assert.equal(active.status, 409);
    assert.match(faultOf(active.body), /because the node is active/);

    const [idle] = await availableNodes('idle', 1, { resource_class: 'bf' });
    const bad = await api(stack, 'POST', '/v1/allocations', { node: idle, resource_class: 'other' }, V);
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /Node must be in the "active" state.*Resource class bf does not match/);
    const old = await api(stack, 'POST', '/v1/allocations', { node: 'deployed' }, { 'X-OpenStack-Ironic-API-Version': '1.57' });
    assert.equal(old.status, 400);
    assert.match(faultOf(old.body), /Cannot set node when creating an allocation in this API version/);
  });

  test('PATCH changes name and extra only (1.57+)', async () => {
    const [n] = await availableNodes('patchy', 1, { resource_class: 'patch' });
    const a = (await api(stack, 'POST', '/v1/allocations', { resource_class: 'patch' }, V)).body;
    assert.equal(a.node_uuid, n);
    const p = await api(
      stack,
      'PATCH',
      `/v1/allocations/${a.uuid}`,
      [
        { op: 'add', path: '/name', value: 'renamed' },
        { op: 'add', path: '/extra/team', value: 'ml' },
      ],
      V,
    );
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.name, 'renamed');
    assert.deepEqual(p.body.extra, { team: 'ml' });
    const bad = await api(stack, 'PATCH', `/v1/allocations/renamed`, [{ op: 'replace', path: '/node_uuid', value: n }], V);
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /Cannot patch \/node_uuid\. Only the following can be updated: name, extra/);
    const old = await api(stack, 'PATCH', `/v1/allocations/renamed`, [{ op: 'add', path: '/name', value: 'x' }], {
      'X-OpenStack-Ironic-API-Version': '1.56',
    });
    assert.equal(old.status, 405);
  });

  test('list filters (node, resource_class, state), paging with next links, fields; owner hidden below 1.60', async () => {
    const [n] = await availableNodes('listed', 3, { resource_class: 'listed' });
    for (let i = 0; i < 3; i++) assert.equal((await api(stack, 'POST', '/v1/allocations', { resource_class: 'listed' }, V)).status, 201);
    const byRc = await api(stack, 'GET', '/v1/allocations?resource_class=listed', undefined, V);
    assert.equal(byRc.body.allocations.length, 3);
    const page = await api(stack, 'GET', '/v1/allocations?resource_class=listed&limit=2', undefined, V);
    assert.equal(page.body.allocations.length, 2);
    assert.match(page.body.next, /resource_class=listed.*limit=2&marker=/);
    const rest = await api(stack, 'GET', page.body.next.replace(stack.url, ''), undefined, V);
    assert.equal(rest.body.allocations.length, 1);
    const byNode = await api(stack, 'GET', `/v1/allocations?node=listed-0&fields=uuid,node_uuid`, undefined, V);
    assert.equal(byNode.body.allocations.length, 1);
    assert.equal(byNode.body.allocations[0].node_uuid, n);
    assert.deepEqual(Object.keys(byNode.body.allocations[0]).sort(), ['links', 'node_uuid', 'uuid']);
    const errors = await api(stack, 'GET', '/v1/allocations?state=error', undefined, V);
    assert.ok(errors.body.allocations.every((x: { state: string }) => x.state === 'error'));
    const old = await api(stack, 'GET', '/v1/allocations?resource_class=listed', undefined, { 'X-OpenStack-Ironic-API-Version': '1.59' });
    assert.equal(old.body.allocations[0].owner, undefined);
    assert.equal(
      (await api(stack, 'GET', '/v1/allocations?fields=owner', undefined, { 'X-OpenStack-Ironic-API-Version': '1.59' })).status,
      406,
    );
  });

  test('removing instance_uuid from an allocated node ends its allocation, as Ironic', async () => {
    const [n] = await availableNodes('unset', 1, { resource_class: 'unset' });
    const a = (await api(stack, 'POST', '/v1/allocations', { resource_class: 'unset' }, V)).body;
    assert.equal(a.node_uuid, n);
    const p = await api(stack, 'PATCH', `/v1/nodes/${n}`, [{ op: 'remove', path: '/instance_uuid' }], V);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.allocation_uuid, null);
    assert.equal((await api(stack, 'GET', `/v1/allocations/${a.uuid}`, undefined, V)).status, 404);
  });

  test('allocate, deploy, undeploy (fake-hardware, with a worker): the undeploy releases the allocation', async () => {
    await stack.startWorker();
    const [n] = await availableNodes('life', 1, { resource_class: 'life' });
    const a = (await api(stack, 'POST', '/v1/allocations', { resource_class: 'life', name: 'life-job' }, V)).body;
    assert.equal(a.node_uuid, n);
    const until = async (state: string) => {
      for (let i = 0; i < 600; i++) {
        const node = (await api(stack, 'GET', `/v1/nodes/${n}`, undefined, V)).body;
        if (node.provision_state === state && node.target_provision_state === null) return node;
        assert.ok(!/failed|error/.test(node.provision_state), `${node.provision_state}: ${node.last_error}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.fail(`node never reached ${state}`);
    };
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${n}/states/provision`, { target: 'active' }, V)).status, 202);
    const active = await until('active');
    assert.equal(active.instance_uuid, a.uuid);
    assert.equal(active.allocation_uuid, a.uuid);
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${n}/states/provision`, { target: 'deleted' }, V)).status, 202);
    const back = await until('available');
    assert.equal(back.allocation_uuid, null);
    assert.equal(back.instance_uuid, null);
    assert.equal((await api(stack, 'GET', '/v1/allocations/life-job', undefined, V)).status, 404);
  });

  test('50 concurrent creates for 10 matching nodes: 10 active on distinct nodes, 40 errors with the reason', async () => {
    const nodes = await availableNodes('race', 10, { resource_class: 'race' });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_v, i) => api(stack, 'POST', '/v1/allocations', { resource_class: 'race', name: `race-job-${i}` }, V)),
    );
    for (const r of results) assert.equal(r.status, 201, r.text);
    const active = results.filter((r) => r.body.state === 'active');
    const failed = results.filter((r) => r.body.state === 'error');
    assert.equal(active.length, 10);
    assert.equal(failed.length, 40);
    const claimed = active.map((r) => r.body.node_uuid as string);
    assert.equal(new Set(claimed).size, 10, 'no node claimed twice');
    assert.deepEqual([...claimed].sort(), [...nodes].sort());
    for (const r of failed) {
      assert.match(
        r.body.last_error,
        /no available nodes match the resource class race|could not reserve any of \d+ suitable nodes: other allocations claimed them first/,
      );
      assert.equal(r.body.node_uuid, null);
    }
    // The database agrees: each node holds exactly the allocation that names it.
    const rows = await stack.db.node.findMany({ where: { uuid: { in: nodes } } });
    for (const row of rows) {
      const holder = active.find((r) => r.body.node_uuid === row.uuid)!;
      assert.equal(row.allocationUuid, holder.body.uuid);
      assert.equal(row.instanceUuid, holder.body.uuid);
    }
  });
});
