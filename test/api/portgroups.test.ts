// Port groups (1.23) and VIFs (1.28) through the real `baremetal` CLI and the REST API:
// create, list with filters, show with --fields, set/unset, delete; ports joining a group;
// VIFs recorded on a free port group, then a free PXE port; and the errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { dbSnapshot } from '../support/snapshot';
import { parseTokens } from '#apps/api/src/config';

const V = (v: string) => ({ 'X-OpenStack-Ironic-API-Version': v });

describe('port groups and VIFs', () => {
  let stack: TestStack;
  let node: string;
  let other: string;
  let group: string;
  let pxePort: string;
  let memberPort: string;
  before(async () => {
    stack = await startStack({ worker: false });
    const n = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'pg-node' });
    const o = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'pg-other' });
    assert.equal(n.status, 201, n.text);
    node = n.body.uuid;
    other = o.body.uuid;
  });
  after(async () => stack.stop());

  test('port group create: the MAC in lower case, mode and properties, Location and links', async () => {
    const created = await baremetalJson(stack.url, [
      ...['port', 'group', 'create', '--node', node, '--address', '52:54:00:AA:BB:01', '--name', 'bond0'],
      ...['--mode', '802.3ad', '--property', 'miimon=100', '--extra', 'rack=r1'],
    ]);
    group = created.uuid;
    assert.equal(created.address, '52:54:00:aa:bb:01');
    assert.equal(created.node_uuid, node);
    assert.equal(created.mode, '802.3ad');
    assert.deepEqual(created.properties, { miimon: 100 }); // the CLI sends values that parse as JSON as JSON
    assert.deepEqual(created.extra, { rack: 'r1' });
    assert.equal(created.standalone_ports_supported, true);
    assert.deepEqual(created.internal_info, {});
    const plain = await api(stack, 'POST', '/v1/portgroups', { node_uuid: node }, V('1.26'));
    assert.equal(plain.status, 201, plain.text);
    assert.equal(plain.headers.get('location'), `${stack.url}/v1/portgroups/${plain.body.uuid}`);
    assert.equal(plain.body.mode, 'active-backup');
    assert.equal(plain.body.address, null);
    assert.equal(plain.body.links[0].href, `${stack.url}/v1/portgroups/${plain.body.uuid}`);
    assert.equal(plain.body.ports[0].href, `${stack.url}/v1/portgroups/${plain.body.uuid}/ports`);
    assert.equal((await api(stack, 'DELETE', `/v1/portgroups/${plain.body.uuid}`)).status, 204);
  });

  test('port group list (default columns, --long, --node, --address, --fields) and show by name with --fields', async () => {
    await api(stack, 'POST', '/v1/portgroups', { node_uuid: other, name: 'bond-other', address: '52:54:00:aa:bb:09' });
    const list = await baremetalJson(stack.url, ['port', 'group', 'list']);
    assert.deepEqual(list.map((g: any) => g.Name).sort(), ['bond-other', 'bond0']);
    assert.deepEqual(Object.keys(list[0]).sort(), ['Address', 'Name', 'UUID']);
    const byNode = await baremetalJson(stack.url, ['port', 'group', 'list', '--node', 'pg-node', '--long']);
    assert.equal(byNode.length, 1);
    assert.equal(byNode[0].Mode, '802.3ad');
    const byAddress = await baremetalJson(stack.url, ['port', 'group', 'list', '--address', '52:54:00:AA:BB:09']);
    assert.deepEqual(
      byAddress.map((g: any) => g.Name),
      ['bond-other'],
    );
    const fields = await baremetalJson(stack.url, ['port', 'group', 'list', '--fields', 'uuid', 'mode']);
    assert.deepEqual(Object.keys(fields[0]).sort(), ['Mode', 'UUID']);
    const show = await baremetalJson(stack.url, ['port', 'group', 'show', 'bond0', '--fields', 'uuid', 'node_uuid', 'mode']);
    assert.deepEqual(show, { uuid: group, node_uuid: node, mode: '802.3ad' });
    const nodeGroups = await api(stack, 'GET', `/v1/nodes/pg-node/portgroups`);
    assert.deepEqual(
      nodeGroups.body.portgroups.map((g: any) => g.uuid),
      [group],
    );
  });

  test('pagination: limit, marker and the next link', async () => {
    const page = await api(stack, 'GET', '/v1/portgroups?limit=1&sort_key=name&sort_dir=desc');
    assert.equal(page.body.portgroups.length, 1);
    assert.equal(page.body.portgroups[0].name, 'bond0');
    const next = new URL(page.body.next);
    assert.equal(next.searchParams.get('marker'), group);
    const rest = await api(stack, 'GET', `${next.pathname}${next.search}`);
    assert.deepEqual(
      rest.body.portgroups.map((g: any) => g.name),
      ['bond-other'],
    );
    // A full page links on (as Ironic); the page after the last is empty and links nowhere.
    const end = new URL(rest.body.next);
    const last = await api(stack, 'GET', `${end.pathname}${end.search}`);
    assert.deepEqual(last.body, { portgroups: [] });
  });

  test('port group set / unset patch name, mode, properties, extra; standalone ports', async () => {
    const set = await baremetal(stack.url, [
      ...['port', 'group', 'set', 'bond0', '--mode', 'balance-rr', '--property', 'xmit_hash_policy=layer3+4'],
      ...['--extra', 'row=7', '--unsupport-standalone-ports'],
    ]);
    assert.equal(set.code, 0, set.stderr);
    let show = await baremetalJson(stack.url, ['port', 'group', 'show', group]);
    assert.equal(show.mode, 'balance-rr');
    assert.deepEqual(show.properties, { miimon: 100, xmit_hash_policy: 'layer3+4' });
    assert.equal(show.standalone_ports_supported, false);
    assert.notEqual(show.updated_at, null);
    const unset = await baremetal(stack.url, ['port', 'group', 'unset', group, '--extra', 'row', '--property', 'miimon']);
    assert.equal(unset.code, 0, unset.stderr);
    show = await baremetalJson(stack.url, ['port', 'group', 'show', group]);
    assert.deepEqual(show.extra, { rack: 'r1' });
    assert.deepEqual(show.properties, { xmit_hash_policy: 'layer3+4' });
    assert.equal((await baremetal(stack.url, ['port', 'group', 'set', group, '--support-standalone-ports'])).code, 0);
  });

  test('ports join a group of their own node (--port-group); the group lists its ports; the group cannot be deleted then', async () => {
    const pxe = await baremetalJson(stack.url, ['port', 'create', '52:54:00:aa:cc:01', '--node', node]);
    pxePort = pxe.uuid;
    const member = await baremetalJson(stack.url, ['port', 'create', '52:54:00:aa:cc:02', '--node', node, '--port-group', group]);
    memberPort = member.uuid;
    assert.equal(member.portgroup_uuid, group);
    const members = await api(stack, 'GET', `/v1/portgroups/bond0/ports`);
    assert.deepEqual(
      members.body.ports.map((p: any) => p.uuid),
      [memberPort],
    );
    const cliMembers = await baremetalJson(stack.url, ['port', 'list', '--port-group', group]);
    assert.deepEqual(
      cliMembers.map((p: any) => p.UUID),
      [memberPort],
    );
    // Below 1.24 a port's group is hidden.
    const old = await api(stack, 'GET', `/v1/ports/${memberPort}`, undefined, V('1.23'));
    assert.equal(old.body.portgroup_uuid, undefined);

    const before = await dbSnapshot(stack.db);
    const del = await baremetal(stack.url, ['port', 'group', 'delete', 'bond0']);
    assert.notEqual(del.code, 0);
    assert.match(del.stderr, /portgroup [0-9a-f-]{36} contains ports \(1\); move or delete them first/);
    const setOther = await baremetal(stack.url, [
      'port',
      'set',
      pxePort,
      '--port-group',
      (await api(stack, 'GET', '/v1/portgroups/bond-other')).body.uuid,
    ]);
    assert.notEqual(setOther.code, 0);
    assert.match(setOther.stderr, /is on another node than .*a port can only join a port group of its own node.*HTTP 400/);
    assert.equal(await dbSnapshot(stack.db), before, 'the database changed');
  });

  test('a port group that does not support standalone ports refuses a PXE-enabled member (409)', async () => {
    const solo = await api(stack, 'POST', '/v1/portgroups', { node_uuid: node, name: 'no-standalone', standalone_ports_supported: false });
    assert.equal(solo.status, 201, solo.text);
    const before = await dbSnapshot(stack.db);
    const r = await api(stack, 'POST', '/v1/ports', { address: '52:54:00:aa:cc:03', node_uuid: node, portgroup_uuid: solo.body.uuid });
    assert.equal(r.status, 409, r.text);
    assert.match(faultOf(r.body), /doesn't support standalone ports.*'pxe_enabled' was set to True/);
    assert.equal(await dbSnapshot(stack.db), before);
    assert.equal((await api(stack, 'DELETE', `/v1/portgroups/no-standalone`)).status, 204);
  });

  test('node vif attach: the port group with members first, then the PXE port; list; duplicates and exhaustion refused', async () => {
    const vif1 = '6f2a1c3e-0b4d-4e5f-8a9b-1c2d3e4f5a61';
    const vif2 = '6f2a1c3e-0b4d-4e5f-8a9b-1c2d3e4f5a62';
    const a1 = await baremetal(stack.url, ['node', 'vif', 'attach', 'pg-node', vif1]);
    assert.equal(a1.code, 0, a1.stderr);
    const g = await api(stack, 'GET', `/v1/portgroups/${group}`);
    assert.deepEqual(g.body.internal_info, { tenant_vif_port_id: vif1 });
    assert.equal((await baremetal(stack.url, ['node', 'vif', 'attach', 'pg-node', vif2])).code, 0);
    const p = await api(stack, 'GET', `/v1/ports/${pxePort}`);
    assert.deepEqual(p.body.internal_info, { tenant_vif_port_id: vif2 });
    const list = await baremetalJson(stack.url, ['node', 'vif', 'list', 'pg-node']);
    assert.deepEqual(list.map((v: any) => v.ID).sort(), [vif1, vif2]);

    const before = await dbSnapshot(stack.db);
    const dup = await api(stack, 'POST', `/v1/nodes/${node}/vifs`, { id: vif1 });
    assert.equal(dup.status, 409, dup.text);
    assert.match(faultOf(dup.body), new RegExp(`VIF ${vif1} is already attached to Ironic portgroup ${group}`));
    const none = await baremetal(stack.url, ['node', 'vif', 'attach', 'pg-node', 'vif-three']);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /Unable to attach VIF vif-three, not enough free physical ports.*HTTP 400/);
    const delPort = await api(stack, 'DELETE', `/v1/ports/${pxePort}`);
    assert.equal(delPort.status, 409);
    assert.match(faultOf(delPort.body), /VIF .* is attached to it; detach it first/);
    assert.equal(await dbSnapshot(stack.db), before, 'the database changed');

    assert.equal((await baremetal(stack.url, ['node', 'vif', 'detach', 'pg-node', vif1])).code, 0);
    assert.deepEqual((await api(stack, 'GET', `/v1/portgroups/${group}`)).body.internal_info, {});
    const again = await baremetal(stack.url, ['node', 'vif', 'detach', 'pg-node', vif1]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /Unable to detach VIF .* from node .* because it is not attached to it.*HTTP 400/);
    const vifs = await api(stack, 'GET', `/v1/nodes/${node}/vifs`);
    assert.deepEqual(vifs.body, { vifs: [{ id: vif2 }] });
    assert.equal((await api(stack, 'DELETE', `/v1/nodes/${node}/vifs/${vif2}`)).status, 204);
  });

  test('versions: port groups from 1.23, mode/properties from 1.26, VIFs from 1.28', async () => {
    const old = await api(stack, 'GET', '/v1/portgroups', undefined, V('1.22'));
    assert.equal(old.status, 406);
    assert.match(faultOf(old.body), /Port groups requires API version 1\.23/);
    const noMode = await api(stack, 'GET', `/v1/portgroups/${group}`, undefined, V('1.25'));
    assert.equal(noMode.status, 200);
    assert.equal(noMode.body.mode, undefined);
    assert.equal(noMode.body.properties, undefined);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${node}/vifs`, undefined, V('1.27'))).status, 406);
    assert.equal((await api(stack, 'GET', '/v1/', undefined, V('1.24'))).body.portgroups[0].href, `${stack.url}/v1/portgroups/`);
  });

  test('delete: the port group goes once its ports have left it', async () => {
    assert.equal((await baremetal(stack.url, ['port', 'unset', memberPort, '--port-group'])).code, 0);
    const del = await baremetal(stack.url, ['port', 'group', 'delete', 'bond0']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout + del.stderr, /Deleted port group bond0/);
    assert.equal((await api(stack, 'GET', `/v1/portgroups/${group}`)).status, 404);
  });

  test('deleting a node deletes its port groups and ports', async () => {
    const grouped = await api(stack, 'POST', '/v1/ports', {
      address: '52:54:00:aa:cc:09',
      node_uuid: other,
      portgroup_uuid: (await api(stack, 'GET', '/v1/portgroups/bond-other')).body.uuid,
    });
    assert.equal(grouped.status, 201, grouped.text);
    assert.equal((await api(stack, 'DELETE', '/v1/nodes/pg-other')).status, 204);
    assert.equal((await api(stack, 'GET', '/v1/portgroups/bond-other')).status, 404);
    assert.equal((await api(stack, 'GET', `/v1/ports/${grouped.body.uuid}`)).status, 404);
  });
});

describe('VIFs are a tenant action', () => {
  const TOKENS = { admin: 'admin-token-0123456789abcdef', alpha: 'alpha-member-token-0123456789ab' };
  let stack: TestStack;
  const as = (who: keyof typeof TOKENS, method: string, path: string, body?: unknown) =>
    api(stack, method, path, body, { 'X-Auth-Token': TOKENS[who] });
  before(async () => {
    const tokens = parseTokens(`ops:admin:${TOKENS.admin},alice:member:alpha:${TOKENS.alpha}`);
    stack = await startStack({ worker: false, auth: { mode: 'token', tokens } });
    for (const [name, owner, mac] of [
      ['mine', 'alpha', '52:54:00:bb:00:01'],
      ['theirs', 'beta', '52:54:00:bb:00:02'],
    ]) {
      const n = await as('admin', 'POST', '/v1/nodes', { driver: 'fake-hardware', name, owner, network_interface: 'flat' });
      assert.equal(n.status, 201, n.text);
      assert.equal((await as('admin', 'POST', '/v1/ports', { address: mac, node_uuid: n.body.uuid })).status, 201);
    }
  });
  after(async () => stack.stop());

  test("a member attaches and detaches VIFs on its own node, not on another project's, and creates no port groups", async () => {
    assert.equal((await as('alpha', 'POST', '/v1/nodes/mine/vifs', { id: 'tenant-net-1' })).status, 204);
    assert.deepEqual((await as('alpha', 'GET', '/v1/nodes/mine/vifs')).body, { vifs: [{ id: 'tenant-net-1' }] });
    const before = await dbSnapshot(stack.db);
    assert.equal((await as('alpha', 'POST', '/v1/nodes/theirs/vifs', { id: 'tenant-net-2' })).status, 404);
    const mine = (await as('admin', 'GET', '/v1/nodes/mine')).body.uuid;
    const pg = await as('alpha', 'POST', '/v1/portgroups', { node_uuid: mine });
    assert.equal(pg.status, 403, pg.text);
    assert.equal(await dbSnapshot(stack.db), before);
    assert.equal((await as('alpha', 'DELETE', '/v1/nodes/mine/vifs/tenant-net-1')).status, 204);
  });
});
