// Volume connectors and targets (1.32) through the real `baremetal` CLI and the REST API:
// create, list (all and per node), show --fields, set, delete; Ironic's uniqueness and
// validation, with "nothing changed"; storage_interface other than noop is a clear 400.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';

const V = { 'X-OpenStack-Ironic-API-Version': 'latest' };
const IQN = 'iqn.2017-05.org.openstack:node-0';

describe('volume connectors and targets', () => {
  let stack: TestStack;
  let node: string;
  let other: string;
  before(async () => {
    stack = await startStack({ worker: false });
    node = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'vol-0' }, V)).body.uuid;
    other = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'vol-1' }, V)).body.uuid;
  });
  after(async () => stack.stop());

  async function snapshot(): Promise<unknown> {
    return {
      c: (await api(stack, 'GET', '/v1/volume/connectors?detail=True', undefined, V)).body,
      t: (await api(stack, 'GET', '/v1/volume/targets?detail=True', undefined, V)).body,
    };
  }

  test('baremetal volume connector create / list / show / set / delete', async () => {
    const c = await baremetalJson(stack.url, ['volume', 'connector', 'create', '--node', node, '--type', 'iqn', '--connector-id', IQN]);
    assert.equal(c.type, 'iqn');
    assert.equal(c.node_uuid, node);
    const list = await baremetalJson(stack.url, ['volume', 'connector', 'list', '--node', 'vol-0']);
    assert.deepEqual(
      list.map((x: { 'Connector ID': string }) => x['Connector ID']),
      [IQN],
    );
    const show = await baremetalJson(stack.url, ['volume', 'connector', 'show', c.uuid, '--fields', 'uuid', 'type']);
    assert.deepEqual(Object.keys(show).sort(), ['type', 'uuid']);
    const set = await baremetal(stack.url, ['volume', 'connector', 'set', c.uuid, '--extra', 'rack=9']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual((await api(stack, 'GET', `/v1/volume/connectors/${c.uuid}`, undefined, V)).body.extra, { rack: 9 }); // the CLI parses values as JSON
    const perNode = await api(stack, 'GET', `/v1/nodes/vol-0/volume/connectors`, undefined, V);
    assert.deepEqual(
      perNode.body.connectors.map((x: { uuid: string }) => x.uuid),
      [c.uuid],
    );
    assert.equal((await api(stack, 'GET', `/v1/nodes/vol-1/volume/connectors`, undefined, V)).body.connectors.length, 0);
    const del = await baremetal(stack.url, ['volume', 'connector', 'delete', c.uuid]);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await api(stack, 'GET', `/v1/volume/connectors/${c.uuid}`, undefined, V)).status, 404);
  });

  test('baremetal volume target create / list / show / set / delete', async () => {
    const t = await baremetalJson(stack.url, [
      'volume',
      'target',
      'create',
      '--node',
      node,
      '--type',
      'iscsi',
      '--boot-index',
      '0',
      '--volume-id',
      'vol-a',
      '--property',
      'target_lun=0',
    ]);
    assert.equal(t.boot_index, 0);
    assert.deepEqual(t.properties, { target_lun: 0 });
    const list = await baremetalJson(stack.url, ['volume', 'target', 'list', '--node', node]);
    assert.deepEqual(
      list.map((x: { 'Volume ID': string }) => x['Volume ID']),
      ['vol-a'],
    );
    const set = await baremetal(stack.url, ['volume', 'target', 'set', t.uuid, '--boot-index', '1']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal((await api(stack, 'GET', `/v1/volume/targets/${t.uuid}`, undefined, V)).body.boot_index, 1);
    const del = await baremetal(stack.url, ['volume', 'target', 'delete', t.uuid]);
    assert.equal(del.code, 0, del.stderr);
  });

  test('/v1/volume and /v1/nodes/{id}/volume link their collections; below 1.32 is 406', async () => {
    const root = (await api(stack, 'GET', '/v1/volume', undefined, V)).body;
    assert.deepEqual(Object.keys(root).sort(), ['connectors', 'links', 'targets']);
    assert.match(root.connectors[0].href, /\/v1\/volume\/connectors\/$/);
    const n = (await api(stack, 'GET', `/v1/nodes/vol-0/volume`, undefined, V)).body;
    assert.match(n.targets[0].href, new RegExp(`/v1/nodes/${node}/volume/targets/$`));
    const old = await api(stack, 'GET', '/v1/volume/connectors', undefined, { 'X-OpenStack-Ironic-API-Version': '1.31' });
    assert.equal(old.status, 406);
  });

  test('type + connector_id is unique (409); boot_index is unique per node (409), free on another node', async () => {
    assert.equal((await api(stack, 'POST', '/v1/volume/connectors', { node_uuid: node, type: 'iqn', connector_id: IQN }, V)).status, 201);
    const t0 = await api(stack, 'POST', '/v1/volume/targets', { node_uuid: node, volume_type: 'iscsi', boot_index: 0, volume_id: 'v0' }, V);
    assert.equal(t0.status, 201, t0.text);
    const before = await snapshot();
    const dupC = await api(stack, 'POST', '/v1/volume/connectors', { node_uuid: other, type: 'iqn', connector_id: IQN }, V);
    assert.equal(dupC.status, 409);
    assert.match(
      faultOf(dupC.body),
      new RegExp(`A volume connector with type iqn and connector ID ${IQN.replace(/\./g, '\\.')} already exists`),
    );
    const dupT = await api(
      stack,
      'POST',
      '/v1/volume/targets',
      { node_uuid: node, volume_type: 'iscsi', boot_index: 0, volume_id: 'v1' },
      V,
    );
    assert.equal(dupT.status, 409);
    assert.match(faultOf(dupT.body), /A volume target with boot index '0' for the same node already exists/);
    assert.deepEqual(await snapshot(), before);
    const elsewhere = await api(
      stack,
      'POST',
      '/v1/volume/targets',
      { node_uuid: other, volume_type: 'iscsi', boot_index: 0, volume_id: 'v1' },
      V,
    );
    assert.equal(elsewhere.status, 201, elsewhere.text);
  });

  test('a node powered on keeps its targets: update and delete are 409 until it is off', async () => {
    const t = (await api(stack, 'GET', `/v1/nodes/${node}/volume/targets`, undefined, V)).body.targets[0];
    // No worker runs here: the recorded power state is the database's.
    await stack.db.node.update({ where: { uuid: node }, data: { powerState: 'power on' } });
    try {
      const before = await snapshot();
      const p = await api(stack, 'PATCH', `/v1/volume/targets/${t.uuid}`, [{ op: 'replace', path: '/volume_id', value: 'v9' }], V);
      assert.equal(p.status, 409, p.text);
      assert.match(faultOf(p.body), /volume target update \(power the node off first\).*while it is in state "power on"/);
      assert.equal((await api(stack, 'DELETE', `/v1/volume/targets/${t.uuid}`, undefined, V)).status, 409);
      assert.deepEqual(await snapshot(), before);
    } finally {
      await stack.db.node.update({ where: { uuid: node }, data: { powerState: 'power off' } });
    }
  });

  const badConnectors: { name: string; body: (n: string) => unknown; message: RegExp }[] = [
    {
      name: 'unknown type',
      body: (n) => ({ node_uuid: n, type: 'nqn', connector_id: 'x' }),
      message: /Invalid volume connector type 'nqn': use one of iqn, ip, mac, wwnn, wwpn, port, portgroup/,
    },
    { name: 'missing connector_id', body: (n) => ({ node_uuid: n, type: 'ip' }), message: /'connector_id' is a required property/ },
    {
      name: 'empty connector_id',
      body: (n) => ({ node_uuid: n, type: 'ip', connector_id: ' ' }),
      message: /connector_id: it may not be empty/,
    },
    { name: 'missing node', body: () => ({ type: 'ip', connector_id: '10.0.0.1' }), message: /'node_uuid' is a required property/ },
    {
      name: 'node by name',
      body: () => ({ node_uuid: 'vol-0', type: 'ip', connector_id: '10.0.0.1' }),
      message: /Expected UUID for node_uuid: vol-0/,
    },
    {
      name: 'unknown node',
      body: () => ({ node_uuid: '11111111-2222-4333-8444-555555555555', type: 'ip', connector_id: '10.0.0.1' }),
      message: /Node 11111111-2222-4333-8444-555555555555 could not be found/,
    },
    {
      name: 'unknown key',
      body: (n) => ({ node_uuid: n, type: 'ip', connector_id: '10.0.0.1', port: 1 }),
      message: /'port' was unexpected/,
    },
  ];
  for (const c of badConnectors) {
    test(`bad connector: ${c.name} -> 400, nothing changed`, async () => {
      const before = await snapshot();
      const r = await api(stack, 'POST', '/v1/volume/connectors', c.body(node), V);
      assert.equal(r.status, 400, r.text);
      assert.match(faultOf(r.body), c.message);
      assert.deepEqual(await snapshot(), before);
    });
  }

  const badTargets: { name: string; body: (n: string) => unknown; message: RegExp }[] = [
    {
      name: 'unknown volume_type',
      body: (n) => ({ node_uuid: n, volume_type: 'nfs', boot_index: 5, volume_id: 'x' }),
      message: /Invalid volume_type 'nfs': use one of iscsi, fibre_channel, rbd/,
    },
    {
      name: 'negative boot_index',
      body: (n) => ({ node_uuid: n, volume_type: 'iscsi', boot_index: -1, volume_id: 'x' }),
      message: /Invalid boot_index -1/,
    },
    {
      name: 'string boot_index',
      body: (n) => ({ node_uuid: n, volume_type: 'iscsi', boot_index: '1', volume_id: 'x' }),
      message: /Invalid boot_index "1"/,
    },
    {
      name: 'missing volume_id',
      body: (n) => ({ node_uuid: n, volume_type: 'iscsi', boot_index: 5 }),
      message: /'volume_id' is a required property/,
    },
    {
      name: 'volume_id too long',
      body: (n) => ({ node_uuid: n, volume_type: 'iscsi', boot_index: 5, volume_id: 'v'.repeat(37) }),
      message: /volume_id: 37 characters/,
    },
    {
      name: 'properties not an object',
      body: (n) => ({ node_uuid: n, volume_type: 'iscsi', boot_index: 5, volume_id: 'x', properties: 'lun=0' }),
      message: /Invalid properties: expected a JSON object/,
    },
  ];
  for (const c of badTargets) {
    test(`bad target: ${c.name} -> 400, nothing changed`, async () => {
      const before = await snapshot();
      const r = await api(stack, 'POST', '/v1/volume/targets', c.body(node), V);
      assert.equal(r.status, 400, r.text);
      assert.match(faultOf(r.body), c.message);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('bad list queries and unknown records', async () => {
    const cases: [string, number, RegExp][] = [
      ['/v1/volume/connectors?sort_key=extra', 400, /sort_key value "extra" is an invalid field/],
      ['/v1/volume/targets?fields=uuid,size', 400, /Field\(s\) "size" are not valid/],
      ['/v1/volume/targets?detail=True&fields=uuid', 400, /detail=True and fields/],
      ['/v1/volume/connectors?node=nosuch', 404, /Node nosuch could not be found/],
      ['/v1/volume/connectors?chassis=x', 400, /Unknown query parameter\(s\): chassis/],
      ['/v1/volume/targets/11111111-2222-4333-8444-555555555555', 404, /Volume target .* could not be found/],
    ];
    for (const [path, status, message] of cases) {
      const r = await api(stack, 'GET', path, undefined, V);
      assert.equal(r.status, status, `${path}: ${r.text}`);
      assert.match(faultOf(r.body), message);
    }
  });

  test('storage_interface other than noop is a 400 saying boot from volume is not supported; noop is fine', async () => {
    const before = (await api(stack, 'GET', `/v1/nodes/${node}`, undefined, V)).body;
    const r = await api(stack, 'PATCH', `/v1/nodes/${node}`, [{ op: 'replace', path: '/storage_interface', value: 'cinder' }], V);
    assert.equal(r.status, 400, r.text);
    assert.match(faultOf(r.body), /storage.*cinder.*Boot from volume is not supported yet: storage_interface can only be noop/);
    const c = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', storage_interface: 'external' }, V);
    assert.equal(c.status, 400);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${node}`, undefined, V)).body.storage_interface, before.storage_interface);
    const ok = await api(stack, 'PATCH', `/v1/nodes/${node}`, [{ op: 'replace', path: '/storage_interface', value: 'noop' }], V);
    assert.equal(ok.status, 200, ok.text);
  });

  test('deleting a node deletes its connectors and targets', async () => {
    assert.ok((await api(stack, 'GET', `/v1/volume/targets?node=${other}`, undefined, V)).body.targets.length > 0);
    assert.equal((await api(stack, 'DELETE', `/v1/nodes/${other}`, undefined, V)).status, 204);
    const left = (await api(stack, 'GET', '/v1/volume/targets?detail=True', undefined, V)).body.targets;
    assert.ok(left.every((t: { node_uuid: string }) => t.node_uuid !== other));
  });
});
