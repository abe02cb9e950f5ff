// Ironic's lessee policy, against a real worker: a member whose project is a node's
// `lessee` sees the node and may power it, set its boot device, deploy, rebuild and
// undeploy it and set what a deploy reads (instance_info, extra, instance_uuid);
// everything else stays with the owner or an admin (403 saying why). A stranger sees
// nothing (404, as for a missing node). Refused requests change nothing in the database.
// Allocations of a member take its project as owner and pick only nodes it owns or leases.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { dbSnapshot } from '../support/snapshot';
import { parseTokens } from '#apps/api/src/config';

const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  observer: 'observer-token-0123456789abcdef',
  owner: 'owner-member-token-0123456789ab',
  lessee: 'lessee-member-token-0123456789a',
  stranger: 'stranger-member-token-012345678',
};
type Who = keyof typeof TOKENS;
const TOKEN_CONFIG = [
  `ops:admin:${TOKENS.admin}`,
  `audit:observer:${TOKENS.observer}`,
  `olga:member:own:${TOKENS.owner}`,
  `lena:member:lease:${TOKENS.lessee}`,
  `sam:member:other:${TOKENS.stranger}`,
].join(',');

/** name → [owner, lessee] */
const NODES: Record<string, [string | null, string | null]> = {
  leased: ['own', 'lease'],
  'lessee-owns': ['lease', null],
  foreign: ['other', null],
  unowned: [null, null],
};

interface Case {
  who: Who;
  what: string;
  method: string;
  path: string;
  body?: unknown;
  status: number;
  /** The faultstring of a refusal. */
  fault?: RegExp;
  /** After a 202: the provision state the node settles in. */
  settle?: string;
}

const NOT_OWNER = /is the lessee of node [0-9a-f-]{36}, not its owner: only the node's owner or an admin may/;

// In order: each row runs on the node as the rows before it left it.
const CASES: Case[] = [
  { who: 'stranger', what: 'power on', method: 'PUT', path: '/states/power', body: { target: 'power on' }, status: 404 },
  { who: 'lessee', what: 'power on', method: 'PUT', path: '/states/power', body: { target: 'power on' }, status: 202 },
  { who: 'stranger', what: 'boot device', method: 'PUT', path: '/management/boot_device', body: { boot_device: 'pxe' }, status: 404 },
  { who: 'lessee', what: 'boot device', method: 'PUT', path: '/management/boot_device', body: { boot_device: 'pxe' }, status: 204 },
  { who: 'lessee', what: 'read boot device', method: 'GET', path: '/management/boot_device', status: 200 },
  { who: 'lessee', what: 'validate', method: 'GET', path: '/validate', status: 200 },
  {
    who: 'lessee',
    what: 'manage',
    method: 'PUT',
    path: '/states/provision',
    body: { target: 'manage' },
    status: 403,
    fault: new RegExp(`${NOT_OWNER.source} request provision target "manage"`),
  },
  {
    who: 'lessee',
    what: 'adopt',
    method: 'PUT',
    path: '/states/provision',
    body: { target: 'adopt' },
    status: 403,
    fault: /request provision target "adopt"/,
  },
  {
    who: 'lessee',
    what: 'clean',
    method: 'PUT',
    path: '/states/provision',
    body: { target: 'clean', clean_steps: [] },
    status: 403,
    fault: /request provision target "clean"/,
  },
  {
    who: 'lessee',
    what: 'maintenance on',
    method: 'PUT',
    path: '/maintenance',
    body: { reason: 'mine' },
    status: 403,
    fault: /set or clear maintenance/,
  },
  { who: 'lessee', what: 'maintenance off', method: 'DELETE', path: '/maintenance', status: 403, fault: NOT_OWNER },
  {
    who: 'lessee',
    what: 'rename',
    method: 'PATCH',
    path: '',
    body: [{ op: 'replace', path: '/name', value: 'mine' }],
    status: 403,
    fault: /may change name\. A lessee may power it/,
  },
  {
    who: 'lessee',
    what: 'drop its own lease',
    method: 'PATCH',
    path: '',
    body: [{ op: 'remove', path: '/lessee' }],
    status: 403,
    fault: /may change lessee/,
  },
  {
    who: 'lessee',
    what: 'take ownership',
    method: 'PATCH',
    path: '',
    body: [{ op: 'replace', path: '/owner', value: 'lease' }],
    status: 403,
    fault: /only admins change a node's owner/,
  },
  {
    who: 'lessee',
    what: 'properties',
    method: 'PATCH',
    path: '',
    body: [{ op: 'add', path: '/properties/cpus', value: 64 }],
    status: 403,
    fault: /may change properties/,
  },
  {
    who: 'lessee',
    what: 'RAID config',
    method: 'PUT',
    path: '/states/raid',
    body: {},
    status: 403,
    fault: /set its target RAID configuration/,
  },
  {
    who: 'lessee',
    what: 'traits',
    method: 'PUT',
    path: '/traits',
    body: { traits: ['CUSTOM_X'] },
    status: 403,
    fault: /only admins change node traits/,
  },
  { who: 'lessee', what: 'delete', method: 'DELETE', path: '', status: 403, fault: /only admins delete nodes/ },
  {
    who: 'stranger',
    what: 'instance_info',
    method: 'PATCH',
    path: '',
    body: [{ op: 'add', path: '/instance_info/x', value: 1 }],
    status: 404,
  },
  { who: 'observer', what: 'power off', method: 'PUT', path: '/states/power', body: { target: 'power off' }, status: 403 },
  {
    who: 'lessee',
    what: 'instance_info, extra, instance_uuid',
    method: 'PATCH',
    path: '',
    body: [
      { op: 'add', path: '/instance_info/image_source', value: 'http://images.example/tenant.img' },
      { op: 'add', path: '/extra/ticket', value: 'T-1' },
      { op: 'add', path: '/instance_uuid', value: '0d4c2a3e-5b6f-4a1b-9c8d-7e6f5a4b3c2d' },
    ],
    status: 200,
  },
  { who: 'stranger', what: 'deploy', method: 'PUT', path: '/states/provision', body: { target: 'active' }, status: 404 },
  { who: 'lessee', what: 'deploy', method: 'PUT', path: '/states/provision', body: { target: 'active' }, status: 202, settle: 'active' },
  { who: 'lessee', what: 'rebuild', method: 'PUT', path: '/states/provision', body: { target: 'rebuild' }, status: 202, settle: 'active' },
  {
    who: 'lessee',
    what: 'undeploy',
    method: 'PUT',
    path: '/states/provision',
    body: { target: 'deleted' },
    status: 202,
    settle: 'available',
  },
  { who: 'owner', what: 'rename', method: 'PATCH', path: '', body: [{ op: 'replace', path: '/name', value: 'leased' }], status: 200 },
  { who: 'owner', what: 'maintenance on', method: 'PUT', path: '/maintenance', body: { reason: 'owner check' }, status: 202 },
  { who: 'owner', what: 'maintenance off', method: 'DELETE', path: '/maintenance', status: 202 },
  { who: 'owner', what: 'manage', method: 'PUT', path: '/states/provision', body: { target: 'manage' }, status: 202, settle: 'manageable' },
  {
    who: 'owner',
    what: 'provide',
    method: 'PUT',
    path: '/states/provision',
    body: { target: 'provide' },
    status: 202,
    settle: 'available',
  },
  {
    who: 'admin',
    what: 'description',
    method: 'PATCH',
    path: '',
    body: [{ op: 'add', path: '/description', value: 'leased to lease' }],
    status: 200,
  },
];

describe('lessee policy', () => {
  let stack: TestStack;
  const uuid: Record<string, string> = {};
  const call = (who: Who, method: string, path: string, body?: unknown, version = '1.78') =>
    api(stack, method, path, body, { 'X-Auth-Token': TOKENS[who], 'X-OpenStack-Ironic-API-Version': version });
  const names = (r: { body: any }) => r.body.nodes.map((n: any) => n.name).sort();

  async function settled(name: string): Promise<any> {
    return waitFor(
      async () => {
        const n = (await call('admin', 'GET', `/v1/nodes/${name}`)).body;
        return n.target_power_state === null && n.target_provision_state === null && n.reservation === null ? n : undefined;
      },
      60_000,
      `node ${name} to settle`,
    );
  }

  async function available(name: string, fields: Record<string, unknown>): Promise<string> {
    const r = await call('admin', 'POST', '/v1/nodes', { driver: 'fake-hardware', name, ...fields });
    assert.equal(r.status, 201, r.text);
    await stack.db.node.update({ where: { uuid: r.body.uuid }, data: { provisionState: 'available', powerState: 'power off' } });
    return r.body.uuid;
  }

  before(async () => {
    stack = await startStack({ auth: { mode: 'token', tokens: parseTokens(TOKEN_CONFIG) } });
    for (const [i, [name, [owner, lessee]]] of Object.entries(NODES).entries()) {
      const r = await call('admin', 'POST', '/v1/nodes', {
        driver: 'fake-hardware',
        name,
        ...(owner ? { owner } : {}),
        ...(lessee ? { lessee } : {}),
      });
      assert.equal(r.status, 201, r.text);
      uuid[name] = r.body.uuid;
      const p = await call('admin', 'POST', '/v1/ports', { address: `52:54:00:bb:00:0${i}`, node_uuid: r.body.uuid });
      assert.equal(p.status, 201, p.text);
    }
    // The leased node starts available (manage, provide: no cleaning in this stack).
    for (const target of ['manage', 'provide']) {
      assert.equal((await call('admin', 'PUT', '/v1/nodes/leased/states/provision', { target })).status, 202);
      await settled('leased');
    }
    assert.equal((await settled('leased')).provision_state, 'available');
  });
  after(async () => stack?.stop());

  test('a lessee lists and shows the nodes it leases or owns; the owner, a stranger and admin see theirs', async () => {
    const want: Record<Who, string[]> = {
      admin: Object.keys(NODES).sort(),
      observer: Object.keys(NODES).sort(),
      owner: ['leased'],
      lessee: ['leased', 'lessee-owns'],
      stranger: ['foreign'],
    };
    for (const who of Object.keys(want) as Who[]) {
      for (const path of ['/v1/nodes', '/v1/nodes/detail'])
        assert.deepEqual(names(await call(who, 'GET', path)), want[who], `${who} ${path}`);
    }
    const shown = await call('lessee', 'GET', '/v1/nodes/leased');
    assert.equal(shown.status, 200);
    // What Ironic shows the owner only is redacted for a lessee (the BMC's address and user above all).
    assert.deepEqual(shown.body.driver_info, { content: '** Redacted - requires baremetal:node:get:driver_info permission. **' });
    assert.match(shown.body.driver_internal_info.content, /^\*\* Redacted/);
    assert.deepEqual((await call('owner', 'GET', '/v1/nodes/leased')).body.driver_info, {});
    const listed = (await call('lessee', 'GET', '/v1/nodes/detail')).body.nodes;
    assert.match(JSON.stringify(listed.find((n: any) => n.name === 'leased').driver_info), /Redacted/);
    assert.doesNotMatch(JSON.stringify(listed.find((n: any) => n.name === 'lessee-owns').driver_info), /Redacted/, 'its own node');
    const history = await call('lessee', 'GET', '/v1/nodes/leased/history');
    assert.equal(history.status, 403);
    assert.match(faultOf(history.body), /may read its history/);
    assert.equal((await call('owner', 'GET', '/v1/nodes/leased/history')).status, 200);
    assert.equal((await call('lessee', 'GET', `/v1/nodes/${uuid.leased}`)).body.lessee, 'lease');
    assert.equal((await call('stranger', 'GET', '/v1/nodes/leased')).status, 404);
    assert.equal((await call('lessee', 'GET', '/v1/nodes/foreign')).status, 404);
    // A lessee sees the ports of the node it leases, as Ironic's project-scoped port list does.
    const ports = await call('lessee', 'GET', '/v1/ports');
    assert.equal(ports.status, 200);
    assert.equal(ports.body.ports.length, 2, 'leased and lessee-owns');
    assert.equal((await call('lessee', 'GET', '/v1/nodes/leased/ports')).body.ports.length, 1);
    assert.equal((await call('stranger', 'GET', '/v1/nodes/leased/ports')).status, 404);
  });

  test('?lessee= (1.65) and ?project= filter in the database query; lessee below 1.65 is 406', async () => {
    assert.deepEqual(names(await call('admin', 'GET', '/v1/nodes?lessee=lease', undefined, '1.65')), ['leased']);
    assert.deepEqual(names(await call('admin', 'GET', '/v1/nodes?project=lease')), ['leased', 'lessee-owns']);
    assert.deepEqual(names(await call('lessee', 'GET', '/v1/nodes?lessee=lease')), ['leased']);
    assert.deepEqual(names(await call('lessee', 'GET', '/v1/nodes?owner=own')), ['leased'], "narrows the lessee's scope");
    assert.deepEqual(names(await call('lessee', 'GET', '/v1/nodes?owner=other')), [], 'never widens it');
    assert.deepEqual(names(await call('stranger', 'GET', '/v1/nodes?lessee=lease')), []);
    const old = await call('admin', 'GET', '/v1/nodes?lessee=lease', undefined, '1.64');
    assert.equal(old.status, 406);
    assert.match(faultOf(old.body), /lessee filter requires API version 1\.65/);
  });

  for (const c of CASES) {
    test(`${c.who}: ${c.what} → ${c.status}`, async () => {
      const before = c.status >= 400 ? await dbSnapshot(stack.db) : undefined;
      const r = await call(c.who, c.method, `/v1/nodes/leased${c.path}`, c.body);
      assert.equal(r.status, c.status, r.text);
      if (c.fault) assert.match(faultOf(r.body), c.fault);
      if (before !== undefined) assert.equal(await dbSnapshot(stack.db), before, 'a refused request changes nothing');
      const n = await settled('leased');
      if (c.settle) assert.equal(n.provision_state, c.settle, n.last_error);
    });
  }

  test("what the lessee did is in the node's history under its name; the lessee's port edits are the owner's", async () => {
    const hist = (await call('admin', 'GET', '/v1/nodes/leased/history/detail?limit=1000')).body.history;
    assert.ok(
      hist.some((h: any) => h.user === 'lena' && /started: available -> deploying/.test(h.event)),
      'deploy by the lessee',
    );
    assert.ok(
      hist.some((h: any) => h.user === 'lena' && /started: active -> deleting/.test(h.event)),
      'undeploy by the lessee',
    );
    const port = (await call('admin', 'GET', '/v1/nodes/leased/ports')).body.ports[0];
    const patch = [{ op: 'add', path: '/extra/vlan', value: '7' }];
    const refused = await call('lessee', 'PATCH', `/v1/ports/${port.uuid}`, patch);
    assert.equal(refused.status, 403);
    assert.match(faultOf(refused.body), /may change its ports/);
    assert.equal((await call('owner', 'PATCH', `/v1/ports/${port.uuid}`, patch)).status, 200);
  });

  test("allocations: a member's get its project as owner and pick only nodes that project owns or leases", async () => {
    const leasedPool = await available('pool-leased', { resource_class: 'pool', owner: 'own', lessee: 'lease' });
    const ownPool = await available('pool-own', { resource_class: 'pool', owner: 'own' });
    await available('pool-other', { resource_class: 'pool', owner: 'other' });
    await available('pool-free', { resource_class: 'pool' });

    const mine = await call('lessee', 'POST', '/v1/allocations', { resource_class: 'pool', name: 'lena-1' });
    assert.equal(mine.status, 201, mine.text);
    assert.equal(mine.body.state, 'active', mine.body.last_error);
    assert.equal(mine.body.owner, 'lease', "the member's project");
    assert.equal(mine.body.node_uuid, leasedPool, 'the only pool node the project owns or leases');
    assert.equal((await call('lessee', 'GET', `/v1/nodes/${leasedPool}`)).body.instance_uuid, mine.body.uuid);

    const none = await call('lessee', 'POST', '/v1/allocations', { resource_class: 'pool' });
    assert.equal(none.body.state, 'error');
    assert.match(none.body.last_error, /no available nodes match the resource class pool and are owned or leased by project lease/);

    const foreignOwner = await call('stranger', 'POST', '/v1/allocations', { resource_class: 'pool', owner: 'lease' });
    assert.equal(foreignOwner.status, 400);
    assert.match(faultOf(foreignOwner.body), /a member creates allocations for its own project \(other\)/);

    const hidden = await call('lessee', 'POST', '/v1/allocations', { resource_class: 'pool', candidate_nodes: ['pool-other'] });
    assert.equal(hidden.status, 400);
    assert.match(faultOf(hidden.body), /Node pool-other could not be found \(in candidate_nodes\)/);

    const forOwner = await call('admin', 'POST', '/v1/allocations', { resource_class: 'pool', owner: 'own' });
    assert.equal(forOwner.body.state, 'active', forOwner.body.last_error);
    assert.equal(forOwner.body.node_uuid, ownPool, 'owned by own; its leased node is taken');

    const seen = (who: Who) => call(who, 'GET', '/v1/allocations').then((r) => r.body.allocations.map((a: any) => a.owner).sort());
    assert.deepEqual(await seen('lessee'), ['lease', 'lease']);
    assert.deepEqual(await seen('stranger'), []);
    assert.equal((await seen('admin')).length, 3);
  });
});
