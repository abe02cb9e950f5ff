// Token auth and access control, against a real worker and real ipmi_sim BMCs.
// admin may do anything; observer reads everything and changes nothing; a member
// sees and acts only on nodes its project owns (a foreign node is 404, exactly like
// a missing one) and may not enroll, delete, give away or re-point nodes (403).
// Refused requests change nothing: not the database, not the BMC.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { waitFor } from '../support/procs';
import { dbSnapshot } from '../support/snapshot';
import { loadApiConfig, parseTokens } from '#apps/api/src/config';

const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  observer: 'observer-token-0123456789abcdef',
  alpha: 'alpha-member-token-0123456789ab',
  beta: 'beta-member-token-0123456789abc',
};
type Who = keyof typeof TOKENS;
const WHO: Who[] = ['admin', 'observer', 'alpha', 'beta'];
const TOKEN_CONFIG = `ops:admin:${TOKENS.admin},audit:observer:${TOKENS.observer},alice:member:alpha:${TOKENS.alpha},bob:member:beta:${TOKENS.beta}`;

// Interleaved owners, so that a filter applied after a page is read would leave pages short.
const NODES: [string, string | null][] = [
  ['a1', 'alpha'],
  ['b1', 'beta'],
  ['a2', 'alpha'],
  ['b2', 'beta'],
  ['a3', 'alpha'],
  ['b3', 'beta'],
  ['u1', null],
];
const VISIBLE: Record<Who, string[]> = {
  admin: NODES.map(([n]) => n),
  observer: NODES.map(([n]) => n),
  alpha: ['a1', 'a2', 'a3'],
  beta: ['b1', 'b2', 'b3'],
};
const macOf = (i: number) => `52:54:00:aa:00:${i.toString(16).padStart(2, '0')}`;

describe('token auth and access control', () => {
  let stack: TestStack;
  let bmcA: Bmc;
  let bmcB: Bmc;
  const uuid: Record<string, string> = {};
  const portOf: Record<string, string> = {};
  const call = (who: Who, method: string, path: string, body?: unknown) => api(stack, method, path, body, { 'X-Auth-Token': TOKENS[who] });

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

  before(async () => {
    stack = await startStack({ auth: { mode: 'token', tokens: parseTokens(TOKEN_CONFIG) } });
    [bmcA, bmcB] = await Promise.all([startBmc({ password: 'alpha-bmc-pw', power: 0 }), startBmc({ password: 'beta-bmc-pw', power: 0 })]);
    for (const [i, [name, owner]] of NODES.entries()) {
      const bmc = owner === 'beta' ? bmcB : bmcA;
      const r = await call('admin', 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name,
        ...(owner ? { owner } : {}),
        driver_info: { ipmi_address: bmc.address, ipmi_port: bmc.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
      });
      assert.equal(r.status, 201, r.text);
      uuid[name] = r.body.uuid;
      const p = await call('admin', 'POST', '/v1/ports', { address: macOf(i), node_uuid: r.body.uuid });
      assert.equal(p.status, 201, p.text);
      portOf[name] = p.body.uuid;
    }
    // a1 and b1 get an operation each, so /operation has something to show.
    for (const n of ['a1', 'b1'])
      assert.equal((await call('admin', 'PUT', `/v1/nodes/${n}/states/power`, { target: 'power on' })).status, 202);
    for (const n of ['a1', 'b1']) assert.equal((await settled(n)).power_state, 'power on');
  });
  after(async () => {
    await stack?.stop();
    await bmcA?.stop();
    await bmcB?.stop();
  });

  test('no token or a wrong token is 401', async () => {
    const none = await api(stack, 'GET', '/v1/nodes');
    assert.equal(none.status, 401);
    assert.match(faultOf(none.body), /send a valid token in X-Auth-Token/);
    assert.equal((await api(stack, 'GET', '/v1/nodes', undefined, { 'X-Auth-Token': 'wrong-token-xxxxxxxxxxxx' })).status, 401);
    assert.equal((await api(stack, 'GET', '/v1/nodes', undefined, { Authorization: `Bearer ${TOKENS.observer}` })).status, 200);
  });

  test('each role lists exactly the nodes it may see, with or without filters', async () => {
    for (const who of WHO) {
      for (const path of ['/v1/nodes', '/v1/nodes/detail']) {
        const r = await call(who, 'GET', path);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(
          r.body.nodes.map((n: any) => n.name),
          VISIBLE[who],
          `${who} ${path}`,
        );
      }
    }
    // A member's own filters narrow its scope and never widen it.
    assert.deepEqual((await call('alpha', 'GET', '/v1/nodes?owner=beta')).body.nodes, []);
    assert.deepEqual((await call('alpha', 'GET', '/v1/nodes?project=beta')).body.nodes, []);
    assert.deepEqual(
      (await call('alpha', 'GET', '/v1/nodes?owner=alpha')).body.nodes.map((n: any) => n.name),
      ['a1', 'a2', 'a3'],
    );
    assert.deepEqual(
      (await call('admin', 'GET', '/v1/nodes?owner=beta')).body.nodes.map((n: any) => n.name),
      ['b1', 'b2', 'b3'],
    );
    // A foreign marker is as unknown as a missing one.
    const m = await call('alpha', 'GET', `/v1/nodes?marker=${uuid.b1}`);
    assert.equal(m.status, 404);
    assert.equal(faultOf(m.body), `Node ${uuid.b1} could not be found.`);
  });

  test('pagination under a member scope: every page is full and next links walk exactly its nodes', async () => {
    for (const [who, limit, sizes] of [
      ['alpha', 1, [1, 1, 1]],
      ['alpha', 2, [2, 1]],
      ['beta', 2, [2, 1]],
      ['admin', 3, [3, 3, 1]],
    ] as const) {
      const seen: string[] = [];
      const pages: number[] = [];
      let path: string | undefined = `/v1/nodes/detail?limit=${limit}`;
      while (path) {
        const r = await call(who, 'GET', path);
        assert.equal(r.status, 200, r.text);
        pages.push(r.body.nodes.length);
        seen.push(...r.body.nodes.map((n: any) => n.name));
        path = r.body.next ? (r.body.next as string).slice(stack.url.length) : undefined;
        if (path) assert.match(path, new RegExp(`^/v1/nodes/detail\\?.*limit=${limit}`));
      }
      // A trailing empty page is allowed only when the last page was exactly full.
      if (pages.at(-1) === 0) pages.pop();
      assert.deepEqual(pages, sizes, `${who} limit ${limit}`);
      assert.deepEqual(seen, VISIBLE[who]);
    }
  });

  test("ports: members list only their nodes' ports, by every route", async () => {
    const addresses = (who: Who) => VISIBLE[who].map((n) => macOf(NODES.findIndex(([x]) => x === n)));
    for (const who of WHO) {
      for (const path of ['/v1/ports', '/v1/ports/detail', '/v1/ports?detail=True']) {
        const r = await call(who, 'GET', path);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(
          r.body.ports.map((p: any) => p.address),
          addresses(who),
          `${who} ${path}`,
        );
      }
    }
    // Pages stay full: limit=2 over alpha's three ports.
    const p1 = await call('alpha', 'GET', '/v1/ports?limit=2');
    assert.equal(p1.body.ports.length, 2);
    const p2 = await call('alpha', 'GET', (p1.body.next as string).slice(stack.url.length));
    assert.deepEqual(
      [...p1.body.ports, ...p2.body.ports].map((p: any) => p.address),
      addresses('alpha'),
    );
    assert.deepEqual((await call('alpha', 'GET', `/v1/ports?address=${macOf(1)}`)).body.ports, [], "b1's MAC is not found");
    assert.equal((await call('alpha', 'GET', `/v1/nodes/a1/ports`)).body.ports.length, 1);
  });

  /** Reads on a node: admin, observer and the owning member get 200; the other member 404. */
  const READS = [
    '',
    '/states',
    '/validate',
    '/history',
    '/history/detail',
    '/ports',
    '/ports/detail',
    '/operation',
    '/management/boot_device',
  ];

  test('reads of a node: 200 for admin, observer and its project; 404 for another project', async () => {
    for (const suffix of READS) {
      for (const ident of ['a1', uuid.a1]) {
        for (const who of WHO) {
          const r = await call(who, 'GET', `/v1/nodes/${ident}${suffix}`);
          const want = who === 'beta' ? 404 : 200;
          assert.equal(r.status, want, `${who} GET ${suffix || '(show)'} of a1 by ${ident === 'a1' ? 'name' : 'uuid'}: ${r.text}`);
          if (want === 404) assert.equal(faultOf(r.body), `Node ${ident} could not be found.`, 'the same answer as for a missing node');
        }
      }
    }
    for (const who of WHO) {
      const r = await call(who, 'GET', `/v1/ports/${portOf.a1}`);
      assert.equal(r.status, who === 'beta' ? 404 : 200, `${who} GET port of a1`);
      if (who === 'beta') assert.equal(faultOf(r.body), `Port ${portOf.a1} could not be found.`);
    }
    for (const path of [`/v1/ports?node=a1`, `/v1/ports?node_uuid=${uuid.a1}`]) {
      assert.equal((await call('beta', 'GET', path)).status, 404, path);
      assert.equal((await call('alpha', 'GET', path)).body.ports.length, 1, path);
    }
  });

  test('refused writes answer 403 or 404 and change nothing: database, BMCs, workflows', async () => {
    const missing = crypto.randomUUID();
    const patchExtra = [{ op: 'add', path: '/extra/x', value: 1 }];
    const bmcInfo = { ipmi_address: bmcB.address, ipmi_port: bmcB.port, ipmi_username: bmcB.username, ipmi_password: 'x' };
    // [who, method, path, body, status, message]
    const cases: [Who, string, string, unknown, number, RegExp][] = [
      // Another project's node is not there.
      ['alpha', 'PATCH', '/v1/nodes/b1', patchExtra, 404, /^Node b1 could not be found\.$/],
      ['alpha', 'DELETE', `/v1/nodes/${uuid.b2}`, undefined, 404, /could not be found/],
      ['alpha', 'PUT', '/v1/nodes/b1/states/power', { target: 'power off' }, 404, /could not be found/],
      ['alpha', 'PUT', '/v1/nodes/b1/states/provision', { target: 'manage' }, 404, /could not be found/],
      ['alpha', 'PUT', '/v1/nodes/b1/maintenance', { reason: 'mine now' }, 404, /could not be found/],
      ['alpha', 'DELETE', '/v1/nodes/b1/maintenance', undefined, 404, /could not be found/],
      ['alpha', 'PUT', '/v1/nodes/b1/management/boot_device', { boot_device: 'pxe' }, 404, /could not be found/],
      ['alpha', 'PATCH', `/v1/ports/${portOf.b1}`, [{ op: 'add', path: '/extra/x', value: 1 }], 404, /^Port .* could not be found\.$/],
      ['alpha', 'DELETE', `/v1/ports/${portOf.b1}`, undefined, 404, /could not be found/],
      // A port on another project's node: the same 400 as on a missing node.
      [
        'alpha',
        'POST',
        '/v1/ports',
        { address: '52:54:00:bb:00:01', node_uuid: uuid.b1 },
        400,
        new RegExp(`^Node ${uuid.b1} could not be found\\.$`),
      ],
      [
        'alpha',
        'POST',
        '/v1/ports',
        { address: '52:54:00:bb:00:01', node_uuid: missing },
        400,
        new RegExp(`^Node ${missing} could not be found\\.$`),
      ],
      ['alpha', 'PATCH', `/v1/ports/${portOf.a1}`, [{ op: 'replace', path: '/node_uuid', value: uuid.b1 }], 400, /could not be found/],
      // Admin-only actions on a member's own node.
      [
        'alpha',
        'POST',
        '/v1/nodes',
        { driver: 'ipmi', name: 'x1', owner: 'alpha' },
        403,
        /member role \(project alpha\): only admins enroll nodes/,
      ],
      ['alpha', 'POST', '/v1/nodes', { driver: 'ipmi', name: 'x2', owner: 'beta' }, 403, /only admins enroll nodes/],
      ['alpha', 'DELETE', '/v1/nodes/a2', undefined, 403, /only admins delete nodes/],
      ['alpha', 'PATCH', '/v1/nodes/a2', [{ op: 'replace', path: '/owner', value: 'beta' }], 403, /only admins change a node's owner/],
      ['alpha', 'PATCH', '/v1/nodes/a2', [{ op: 'remove', path: '/owner' }], 403, /only admins change a node's owner/],
      ['alpha', 'PATCH', '/v1/nodes/a2', [{ op: 'replace', path: '/driver_info', value: bmcInfo }], 403, /only admins change driver_info/],
      [
        'alpha',
        'PATCH',
        '/v1/nodes/a2',
        [{ op: 'add', path: '/driver_info/ipmi_port', value: bmcB.port }],
        403,
        /only admins change driver_info/,
      ],
      [
        'alpha',
        'PATCH',
        '/v1/nodes/a2',
        [{ op: 'add', path: '/conductor_group', value: 'rack9' }],
        403,
        /only admins change conductor_group/,
      ],
      ['beta', 'PATCH', '/v1/nodes/u1', patchExtra, 404, /could not be found/],
      // The observer reads but writes nothing, whoever owns the node.
      ['observer', 'PATCH', '/v1/nodes/a1', patchExtra, 403, /observer role, which can read but not change anything/],
      ['observer', 'POST', '/v1/nodes', { driver: 'ipmi' }, 403, /observer role/],
      ['observer', 'DELETE', '/v1/nodes/u1', undefined, 403, /observer role/],
      ['observer', 'PUT', '/v1/nodes/a1/states/power', { target: 'power off' }, 403, /observer role/],
      ['observer', 'PUT', '/v1/nodes/b1/states/provision', { target: 'manage' }, 403, /observer role/],
      ['observer', 'PUT', '/v1/nodes/a1/maintenance', {}, 403, /observer role/],
      ['observer', 'PUT', '/v1/nodes/a1/management/boot_device', { boot_device: 'pxe' }, 403, /observer role/],
      ['observer', 'POST', '/v1/ports', { address: '52:54:00:bb:00:02', node_uuid: uuid.a1 }, 403, /observer role/],
      ['observer', 'DELETE', `/v1/ports/${portOf.a1}`, undefined, 403, /observer role/],
    ];
    const before = await dbSnapshot(stack.db);
    const started = new Date();
    const power = [bmcA.readPower(), bmcB.readPower()];
    const boot = [bmcA.readBoot(), bmcB.readBoot()];
    for (const [who, method, path, body, status, message] of cases) {
      const r = await call(who, method, path, body);
      assert.equal(r.status, status, `${who} ${method} ${path}: ${r.text}`);
      assert.match(faultOf(r.body), message, `${who} ${method} ${path}`);
    }
    // Give anything wrongly started time to act before comparing.
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await dbSnapshot(stack.db), before, 'no row changed');
    assert.deepEqual([bmcA.readPower(), bmcB.readPower()], power, 'no BMC was powered');
    assert.deepEqual([bmcA.readBoot(), bmcB.readBoot()], boot, 'no boot device was set');
    const runs: string[] = [];
    for await (const w of stack.temporal.workflow.list({ query: `TaskQueue = '${stack.cfg.temporal.taskQueue}'` })) {
      if (w.startTime >= started) runs.push(`${w.type} ${w.workflowId}`);
    }
    assert.deepEqual(runs, [], 'no workflow was started');
  });

  test("a member acts on its own nodes (and is named in their history); other projects don't see it", async () => {
    const ok = async (method: string, path: string, body: unknown, status: number) => {
      const r = await call('alpha', method, path, body);
      assert.equal(r.status, status, `alpha ${method} ${path}: ${r.text}`);
      return r;
    };
    await ok(
      'PATCH',
      '/v1/nodes/a1',
      [
        { op: 'add', path: '/extra/tenant', value: 'alpha' },
        { op: 'add', path: '/instance_info/image_source', value: 'file:///x' },
      ],
      200,
    );
    await ok('PATCH', '/v1/nodes/a1', [{ op: 'replace', path: '/owner', value: 'alpha' }], 200); // no change: allowed
    await ok('PUT', '/v1/nodes/a1/maintenance', { reason: 'tenant check' }, 202);
    await ok('DELETE', '/v1/nodes/a1/maintenance', undefined, 202);
    await ok('PUT', '/v1/nodes/a1/management/boot_device', { boot_device: 'pxe' }, 204);
    assert.equal(bmcA.readBoot(), 'pxe');
    await ok('PUT', '/v1/nodes/a1/states/power', { target: 'power off' }, 202);
    assert.equal((await settled('a1')).power_state, 'power off');
    assert.equal(bmcA.readPower(), 0);
    await ok('PUT', '/v1/nodes/a2/states/provision', { target: 'manage' }, 202);
    assert.equal((await settled('a2')).provision_state, 'manageable');
    // Ports are cabling: a member edits their extra, only admins add, re-point or remove them.
    await ok('PATCH', `/v1/ports/${portOf.a2}`, [{ op: 'add', path: '/extra/x', value: 1 }], 200);
    const add = await ok('POST', '/v1/ports', { address: '52:54:00:cc:00:01', node_uuid: uuid.a2 }, 403);
    assert.match(faultOf(add.body), /member role \(project alpha\): only admins enroll ports/);
    assert.match(
      faultOf((await ok('PATCH', `/v1/ports/${portOf.a2}`, [{ op: 'replace', path: '/address', value: '52:54:00:cc:00:02' }], 403)).body),
      /only admins change a port's MAC/,
    );
    assert.match(
      faultOf((await ok('PATCH', `/v1/ports/${portOf.a2}`, [{ op: 'replace', path: '/pxe_enabled', value: false }], 403)).body),
      /only admins change a port's MAC/,
    );
    assert.match(faultOf((await ok('DELETE', `/v1/ports/${portOf.a2}`, undefined, 403)).body), /only admins delete ports/);
    assert.equal((await call('admin', 'GET', `/v1/ports/${portOf.a2}`)).body.extra.x, 1);
    const hist = (await call('alpha', 'GET', '/v1/nodes/a1/history/detail')).body.history;
    assert.ok(
      hist.some((h: any) => h.user === 'alice' && /Maintenance set: tenant check/.test(h.event)),
      'history names the member token',
    );
    assert.equal((await call('beta', 'GET', '/v1/nodes/a1/history')).status, 404);
    // The admin enrolls for a project and deletes; the member then sees the new node.
    const c = await call('admin', 'POST', '/v1/nodes', { driver: 'ipmi', name: 'a4', owner: 'alpha' });
    assert.equal(c.status, 201);
    assert.equal((await call('alpha', 'GET', '/v1/nodes/a4')).status, 200);
    assert.equal((await call('admin', 'DELETE', '/v1/nodes/a4')).status, 204);
    assert.equal((await call('alpha', 'GET', '/v1/nodes/a4')).status, 404);
  });

  test('history names the token; secrets never leave the API', async () => {
    const c = await call('admin', 'POST', '/v1/nodes', { driver: 'ipmi', name: 's1', driver_info: { ipmi_password: 'Hunter2Secret' } });
    assert.equal(c.status, 201);
    const h = await call('observer', 'GET', '/v1/nodes/s1/history?detail=True');
    assert.equal(h.status, 200);
    assert.equal(h.body.history[0].user, 'ops');
    const show = await call('observer', 'GET', '/v1/nodes/s1');
    assert.equal(show.body.driver_info.ipmi_password, '******');
    assert.doesNotMatch(show.text + stack.logs(), /Hunter2Secret/);
  });

  test('without tokens the API refuses to listen beyond loopback', () => {
    assert.throws(
      () => loadApiConfig({ IRONFLOW_API_HOST: '0.0.0.0', IRONFLOW_SECRET_KEY: 'a'.repeat(64), IRONFLOW_DATA_DIR: '/tmp' }),
      /Refusing to serve on 0\.0\.0\.0 without authentication/,
    );
    assert.equal(
      loadApiConfig({
        IRONFLOW_API_HOST: '0.0.0.0',
        IRONFLOW_API_TOKENS: `ops:admin:${TOKENS.admin}`,
        IRONFLOW_SECRET_KEY: 'a'.repeat(64),
        IRONFLOW_DATA_DIR: '/tmp',
      }).auth.mode,
      'token',
    );
    assert.equal(loadApiConfig({ IRONFLOW_SECRET_KEY: 'a'.repeat(64), IRONFLOW_DATA_DIR: '/tmp' }).host, '127.0.0.1');
  });

  test('token configuration errors are explained', () => {
    assert.throws(() => parseTokens('ops:root:abcdefabcdefabcdef'), /role "root" of ops must be one of admin, member, observer/);
    assert.throws(() => parseTokens('ops:admin:short'), /shorter than 16/);
    assert.throws(() => parseTokens('alice:member:abcdefabcdefabcdef'), /member alice needs a project/);
    assert.deepEqual(
      parseTokens(TOKEN_CONFIG).map((t) => [t.name, t.role, t.project ?? null]),
      [
        ['ops', 'admin', null],
        ['audit', 'observer', null],
        ['alice', 'member', 'alpha'],
        ['bob', 'member', 'beta'],
      ],
    );
  });
});
