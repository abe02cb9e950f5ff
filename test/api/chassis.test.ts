// Chassis through the real `baremetal` CLI and the REST API: create, list (--long, --fields,
// paging), show --fields, set/unset, nodes in a chassis (node create/set --chassis-uuid,
// node list --chassis), and delete refused while a chassis holds nodes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { dbSnapshot } from '../support/snapshot';

describe('chassis', () => {
  let stack: TestStack;
  let rack: string;
  let spare: string;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => stack.stop());

  test('chassis create, list (--long, --fields) and show --fields', async () => {
    const created = await baremetalJson(stack.url, ['chassis', 'create', '--description', 'rack 4', '--extra', 'site=ams1']);
    rack = created.uuid;
    assert.equal(created.description, 'rack 4');
    assert.deepEqual(created.extra, { site: 'ams1' });
    const second = await api(stack, 'POST', '/v1/chassis', { description: 'spare' });
    assert.equal(second.status, 201, second.text);
    assert.equal(second.headers.get('location'), `${stack.url}/v1/chassis/${second.body.uuid}`);
    assert.equal(second.body.nodes[0].href, `${stack.url}/v1/chassis/${second.body.uuid}/nodes`);
    spare = second.body.uuid;
    const list = await baremetalJson(stack.url, ['chassis', 'list']);
    assert.deepEqual(
      list.map((c: any) => c.Description),
      ['rack 4', 'spare'],
    );
    assert.deepEqual(Object.keys(list[0]).sort(), ['Description', 'UUID']);
    const long = await baremetalJson(stack.url, ['chassis', 'list', '--long']);
    assert.deepEqual(long[0].Extra, { site: 'ams1' });
    const fields = await baremetalJson(stack.url, ['chassis', 'list', '--fields', 'uuid', 'extra']);
    assert.deepEqual(Object.keys(fields[0]).sort(), ['Extra', 'UUID']);
    const show = await baremetalJson(stack.url, ['chassis', 'show', rack, '--fields', 'uuid', 'description']);
    assert.deepEqual(show, { uuid: rack, description: 'rack 4' });
  });

  test('paging: limit, sort and the next link', async () => {
    const page = await api(stack, 'GET', '/v1/chassis?limit=1&sort_key=description&sort_dir=desc');
    assert.deepEqual(
      page.body.chassis.map((c: any) => c.description),
      ['spare'],
    );
    const next = new URL(page.body.next);
    const rest = await api(stack, 'GET', `${next.pathname}${next.search}`);
    assert.deepEqual(
      rest.body.chassis.map((c: any) => c.description),
      ['rack 4'],
    );
  });

  test('chassis set / unset', async () => {
    assert.equal((await baremetal(stack.url, ['chassis', 'set', rack, '--description', 'rack 5', '--extra', 'row=2'])).code, 0);
    let show = await baremetalJson(stack.url, ['chassis', 'show', rack]);
    assert.equal(show.description, 'rack 5');
    assert.deepEqual(show.extra, { site: 'ams1', row: 2 });
    assert.notEqual(show.updated_at, null);
    const unset = await baremetal(stack.url, ['chassis', 'unset', rack, '--description', '--extra', 'site']);
    assert.equal(unset.code, 0, unset.stderr);
    show = await baremetalJson(stack.url, ['chassis', 'show', rack]);
    assert.equal(show.description, null);
    assert.deepEqual(show.extra, { row: 2 });
  });

  test('nodes in a chassis: node create/set --chassis-uuid, node list --chassis, /v1/chassis/{uuid}/nodes', async () => {
    const n1 = await baremetalJson(stack.url, ['node', 'create', '--driver', 'fake-hardware', '--name', 'c-n1', '--chassis-uuid', rack]);
    assert.equal(n1.chassis_uuid, rack);
    await baremetalJson(stack.url, ['node', 'create', '--driver', 'fake-hardware', '--name', 'c-n2']);
    assert.equal((await baremetal(stack.url, ['node', 'set', 'c-n2', '--chassis-uuid', rack])).code, 0);
    const inRack = await baremetalJson(stack.url, ['node', 'list', '--chassis', rack]);
    assert.deepEqual(inRack.map((n: any) => n.Name).sort(), ['c-n1', 'c-n2']);
    const viaChassis = await api(stack, 'GET', `/v1/chassis/${rack}/nodes?fields=name,chassis_uuid`);
    assert.deepEqual(
      viaChassis.body.nodes.map((n: any) => [n.name, n.chassis_uuid]),
      [
        ['c-n1', rack],
        ['c-n2', rack],
      ],
    );
    assert.deepEqual((await api(stack, 'GET', `/v1/chassis/${spare}/nodes`)).body, { nodes: [] });
    const show = await baremetalJson(stack.url, ['node', 'show', 'c-n1', '--fields', 'chassis_uuid']);
    assert.equal(show.chassis_uuid, rack);
  });

  test('delete: refused while the chassis holds nodes, and nothing changes; allowed once they left', async () => {
    const before = await dbSnapshot(stack.db);
    const del = await baremetal(stack.url, ['chassis', 'delete', rack]);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /chassis [0-9a-f-]{36} contains nodes \(2\); move them out/);
    assert.equal(await dbSnapshot(stack.db), before, 'the database changed');
    assert.equal((await api(stack, 'PATCH', '/v1/nodes/c-n1', [{ op: 'remove', path: '/chassis_uuid' }])).status, 200);
    assert.equal((await api(stack, 'PATCH', '/v1/nodes/c-n2', [{ op: 'replace', path: '/chassis_uuid', value: spare }])).status, 200);
    const ok = await baremetal(stack.url, ['chassis', 'delete', rack]);
    assert.equal(ok.code, 0, ok.stderr);
    const gone = await api(stack, 'GET', `/v1/chassis/${rack}`);
    assert.equal(gone.status, 404);
    assert.match(faultOf(gone.body), /Chassis .* could not be found/);
  });
});
