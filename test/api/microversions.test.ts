// Microversions 1.79-1.95 and enrollment as metal3 sends it: fields hidden and refused
// below their version, shards, parent nodes, the service and inspect verbs, RAID targets,
// retired, disable_power_off; and a 406 that says what was asked and what is supported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';

const V = (v: string) => ({ 'X-OpenStack-Ironic-API-Version': v });
const LATEST = V('1.95');

/** The body metal3's baremetal-operator POSTs for an IPMI host (its provisioner, ironic.go), less the deploy image URLs. */
function metal3Enrollment(name: string): Record<string, unknown> {
  return {
    name,
    driver: 'ipmi',
    boot_interface: 'ipxe',
    deploy_interface: 'direct',
    inspect_interface: 'agent',
    management_interface: 'ipmitool',
    power_interface: 'ipmitool',
    raid_interface: 'no-raid',
    disable_power_off: false,
    driver_info: {
      ipmi_address: '127.0.0.1',
      ipmi_port: '623',
      ipmi_username: 'admin',
      ipmi_password: 'password',
      // metal3 sends the deploy ramdisk as http(s) URLs (fetched by the worker when a boot needs them).
      deploy_kernel: 'http://192.0.2.1:6180/images/ironic-python-agent.kernel',
      deploy_ramdisk: 'http://192.0.2.1:6180/images/ironic-python-agent.initramfs',
    },
    properties: { capabilities: 'boot_mode:bios', cpu_arch: 'x86_64' },
  };
}

function errorInner(body: { error_message: string }): Record<string, unknown> {
  return JSON.parse(body.error_message) as Record<string, unknown>;
}

describe('microversions through 1.95 and metal3 enrollment', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => stack.stop());

  const setState = (uuid: string, provisionState: string) => stack.db.node.update({ where: { uuid }, data: { provisionState } });

  test('GET /v1 at the maximum lists shards and allocations; the maximum is 1.95', async () => {
    const r = await api(stack, 'GET', '/v1', undefined, V('latest'));
    assert.equal(r.headers.get('x-openstack-ironic-api-version'), '1.95');
    assert.equal(r.body.version.version, '1.95');
    assert.ok(r.body.shards && r.body.allocations);
    const old = await api(stack, 'GET', '/v1', undefined, V('1.51'));
    assert.equal(old.body.shards, undefined);
    assert.equal(old.body.allocations, undefined);
  });

  test("a 406 names what was asked and what is supported, in both of Ironic's body shapes", async () => {
    const r = await api(stack, 'GET', '/v1/nodes', undefined, V('1.96'));
    assert.equal(r.status, 406);
    const inner = errorInner(r.body);
    assert.equal(inner.code, 406);
    assert.equal(inner.title, 'Not Acceptable');
    assert.match(String(inner.description), /Version 1\.96 was requested.*\[1\.1, 1\.95\]/);
    assert.equal(inner.faultstring, inner.description);
  });

  test('metal3 enrollment is accepted at 1.95 and shows every field it sent', async () => {
    const r = await api(stack, 'POST', '/v1/nodes', metal3Enrollment('m3-bios'), LATEST);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.inspect_interface, 'agent');
    assert.equal(r.body.raid_interface, 'no-raid');
    assert.equal(r.body.disable_power_off, false);
    assert.equal(r.body.driver_info.ipmi_port, '623');
    assert.equal(r.body.driver_info.ipmi_password, '******');
    assert.equal(r.body.properties.capabilities, 'boot_mode:bios');
    for (const f of ['shard', 'parent_node', 'firmware_interface', 'service_step']) assert.ok(f in r.body, f);
    assert.equal(r.body.firmware_interface, 'no-firmware');
  });

  test('fields newer than the request are hidden, and refused in ?fields=, create and PATCH', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'versioned' }, LATEST)).body;
    const at78 = await api(stack, 'GET', `/v1/nodes/${n.uuid}`, undefined, V('1.78'));
    for (const f of ['shard', 'parent_node', 'firmware_interface', 'service_step', 'disable_power_off'])
      assert.equal(at78.body[f], undefined, f);
    assert.ok('lessee' in at78.body && 'retired' in at78.body);
    const at82 = await api(stack, 'GET', `/v1/nodes/${n.uuid}`, undefined, V('1.82'));
    assert.ok('shard' in at82.body);
    assert.equal(at82.body.parent_node, undefined);
    const at60 = await api(stack, 'GET', `/v1/nodes/${n.uuid}`, undefined, V('1.60'));
    assert.equal(at60.body.retired, undefined);
    assert.equal(at60.body.lessee, undefined);

    const fields = await api(stack, 'GET', `/v1/nodes/${n.uuid}?fields=uuid,shard`, undefined, V('1.81'));
    assert.equal(fields.status, 406);
    assert.match(faultOf(fields.body), /Field "shard" in \?fields= requires API version 1\.82.*made at 1\.81/);

    const create = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', disable_power_off: true }, V('1.94'));
    assert.equal(create.status, 406);
    assert.match(faultOf(create.body), /Field "disable_power_off" on create requires API version 1\.95/);

    const patch = await api(stack, 'PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'add', path: '/shard', value: 'a' }], V('1.81'));
    assert.equal(patch.status, 406);
    assert.match(faultOf(patch.body), /Field "shard" in a PATCH requires API version 1\.82/);
    const unchanged = await api(stack, 'GET', `/v1/nodes/${n.uuid}`, undefined, LATEST);
    assert.equal(unchanged.body.shard, null);
  });

  test('ports: name (1.88, unique, addressable) and node_ident (1.94: the node by name)', async () => {
    await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'port-host' }, LATEST);
    const p = await api(
      stack,
      'POST',
      '/v1/ports',
      { address: '52:54:00:88:00:01', node_ident: 'port-host', name: 'port-host-eth0' },
      LATEST,
    );
    assert.equal(p.status, 201, p.text);
    assert.equal(p.body.name, 'port-host-eth0');
    const byName = await api(stack, 'GET', '/v1/ports/port-host-eth0', undefined, V('1.88'));
    assert.equal(byName.body.uuid, p.body.uuid);
    const old = await api(stack, 'GET', `/v1/ports/${p.body.uuid}`, undefined, V('1.87'));
    assert.equal(old.status, 200);
    assert.equal(old.body.name, undefined);
    assert.equal((await api(stack, 'GET', `/v1/ports/${p.body.uuid}?fields=name`, undefined, V('1.87'))).status, 406);
    const dup = await api(
      stack,
      'POST',
      '/v1/ports',
      { address: '52:54:00:88:00:02', node_ident: 'port-host', name: 'port-host-eth0' },
      LATEST,
    );
    assert.equal(dup.status, 409);
    assert.match(faultOf(dup.body), /A port with name port-host-eth0 already exists/);
    const renamed = await api(stack, 'PATCH', '/v1/ports/port-host-eth0', [{ op: 'replace', path: '/name', value: 'pxe0' }], LATEST);
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.name, 'pxe0');
    const oldPatch = await api(stack, 'PATCH', `/v1/ports/${p.body.uuid}`, [{ op: 'replace', path: '/name', value: 'x' }], V('1.87'));
    assert.equal(oldPatch.status, 406);
    const noNode = await api(stack, 'POST', '/v1/ports', { address: '52:54:00:88:00:03', node_ident: 'no-such-host' }, LATEST);
    assert.equal(noNode.status, 400);
    assert.match(faultOf(noNode.body), /Node no-such-host could not be found/);
  });

  test('driver details show the firmware interface from 1.86', async () => {
    const old = await api(stack, 'GET', '/v1/drivers/ipmi', undefined, V('1.85'));
    assert.equal(old.body.default_firmware_interface, undefined);
    assert.equal(old.body.default_raid_interface, 'no-raid');
    const now = await api(stack, 'GET', '/v1/drivers/ipmi', undefined, LATEST);
    assert.equal(now.body.default_firmware_interface, 'no-firmware');
    assert.deepEqual(now.body.enabled_inspect_interfaces, ['no-inspect', 'agent']);
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'fw' }, LATEST)).body;
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${n.uuid}/firmware`, undefined, LATEST)).body, { firmware: [] });
    assert.equal((await api(stack, 'GET', `/v1/nodes/${n.uuid}/firmware`, undefined, V('1.85'))).status, 406);
  });

  test('shards: set by PATCH, counted by GET /v1/shards (1.82), filtered with ?shard= and ?sharded=', async () => {
    const a = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'sh-a', shard: 'rack-1' }, LATEST)).body;
    const b = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'sh-b' }, LATEST)).body;
    const p = await api(stack, 'PATCH', `/v1/nodes/${b.uuid}`, [{ op: 'replace', path: '/shard', value: 'rack-2' }], LATEST);
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.shard, 'rack-2');

    const shards = await api(stack, 'GET', '/v1/shards', undefined, LATEST);
    assert.equal(shards.status, 200);
    const byName = Object.fromEntries(shards.body.shards.map((s: { name: string; count: number }) => [s.name, s.count]));
    assert.equal(byName['rack-1'], 1);
    assert.equal(byName['rack-2'], 1);
    assert.ok(byName.None >= 1, 'unsharded nodes count under "None"');
    assert.equal((await api(stack, 'GET', '/v1/shards', undefined, V('1.81'))).status, 406);

    const one = await api(stack, 'GET', '/v1/nodes?shard=rack-1', undefined, LATEST);
    assert.deepEqual(
      one.body.nodes.map((x: { uuid: string }) => x.uuid),
      [a.uuid],
    );
    const both = await api(stack, 'GET', '/v1/nodes?shard=rack-1,rack-2', undefined, LATEST);
    assert.equal(both.body.nodes.length, 2);
    const unsharded = await api(stack, 'GET', '/v1/nodes?sharded=false&fields=uuid,shard', undefined, LATEST);
    assert.ok(unsharded.body.nodes.length >= 1);
    assert.ok(unsharded.body.nodes.every((x: { shard: string | null }) => x.shard === null));
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: '52:54:00:82:00:01', node_uuid: a.uuid }, LATEST)).status, 201);
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: '52:54:00:82:00:02', node_uuid: b.uuid }, LATEST)).status, 201);
    const ports = await api(stack, 'GET', '/v1/ports?shard=rack-1&fields=address', undefined, LATEST);
    assert.deepEqual(
      ports.body.ports.map((p: { address: string }) => p.address),
      ['52:54:00:82:00:01'],
    );
    assert.equal((await api(stack, 'GET', `/v1/ports?shard=rack-1&node=${a.uuid}`, undefined, LATEST)).status, 403);
    assert.equal((await api(stack, 'GET', '/v1/ports?shard=rack-1', undefined, V('1.81'))).status, 406);
    const old = await api(stack, 'GET', '/v1/nodes?shard=rack-1', undefined, V('1.81'));
    assert.equal(old.status, 406);
    assert.match(faultOf(old.body), /shard filter requires API version 1\.82/);
  });

  test('parent_node (1.83): named by name, stored as UUID; children listed only when asked for', async () => {
    const parent = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'chassis-0' }, LATEST)).body;
    const child = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'blade-0', parent_node: 'chassis-0' }, LATEST);
    assert.equal(child.status, 201, child.text);
    assert.equal(child.body.parent_node, parent.uuid);
    const list = await api(stack, 'GET', '/v1/nodes', undefined, LATEST);
    assert.ok(!list.body.nodes.some((x: { uuid: string }) => x.uuid === child.body.uuid), 'children hidden by default');
    const all = await api(stack, 'GET', '/v1/nodes?include_children=true', undefined, LATEST);
    assert.ok(all.body.nodes.some((x: { uuid: string }) => x.uuid === child.body.uuid));
    const kids = await api(stack, 'GET', `/v1/nodes?parent_node=${parent.uuid}`, undefined, LATEST);
    assert.deepEqual(
      kids.body.nodes.map((x: { uuid: string }) => x.uuid),
      [child.body.uuid],
    );
    const children = await api(stack, 'GET', '/v1/nodes/chassis-0/children', undefined, LATEST);
    assert.deepEqual(children.body.children, [child.body.uuid]);
    assert.equal((await api(stack, 'GET', '/v1/nodes/chassis-0/children', undefined, V('1.82'))).status, 406);
    const bad = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', parent_node: 'no-such-node' }, LATEST);
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /Unable to apply the requested parent_node 'no-such-node'/);
  });

  test('inspect with inspect_interface agent and no PXE port answers a clear 400 (test/inspection runs real inspections)', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', metal3Enrollment('m3-inspect'), LATEST)).body;
    await setState(n.uuid, 'manageable');
    const r = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'inspect' }, LATEST);
    assert.equal(r.status, 400);
    assert.match(faultOf(r.body), /cannot be inspected: it has no port with PXE enabled/);
  });

  test('RAID: agent stores target_raid_config; no-raid and RAID clean steps answer clear errors', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { ...metal3Enrollment('m3-raid'), raid_interface: 'agent' }, LATEST)).body;
    const target = { logical_disks: [{ size_gb: 'MAX', raid_level: '1', is_root_volume: true }] };
    const put = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/raid`, target, LATEST);
    assert.equal(put.status, 204, put.text);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${n.uuid}`, undefined, LATEST)).body.target_raid_config, target);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${n.uuid}/states`, undefined, LATEST)).body.target_raid_config, target);

    const bad = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/raid`, { logical_disks: [{ size_gb: 10, raid_level: '7' }] }, LATEST);
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /raid_level = "7" is not valid \(one of 0, 1/);

    const noRaid = (await api(stack, 'POST', '/v1/nodes', metal3Enrollment('m3-noraid'), LATEST)).body;
    const refused = await api(stack, 'PUT', `/v1/nodes/${noRaid.uuid}/states/raid`, target, LATEST);
    assert.equal(refused.status, 400);
    assert.match(faultOf(refused.body), /does not support raid.*"no-raid".*Set raid_interface to agent/);

    await setState(n.uuid, 'manageable');
    const clean = await api(
      stack,
      'PUT',
      `/v1/nodes/${n.uuid}/states/provision`,
      { target: 'clean', clean_steps: [{ interface: 'raid', step: 'create_configuration' }] },
      LATEST,
    );
    assert.equal(clean.status, 400);
    assert.match(faultOf(clean.body), /RAID clean steps \(raid\.create_configuration\).*ramdisk agent/);
  });

  test('retired: 409 on an available node, as Ironic; allowed from manageable; a reason needs retired', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'to-retire' }, LATEST)).body;
    await setState(n.uuid, 'available');
    const r = await api(stack, 'PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'replace', path: '/retired', value: true }], LATEST);
    assert.equal(r.status, 409);
    assert.match(faultOf(r.body), /can not have 'retired' set in provision state 'available'/);
    const reason = await api(stack, 'PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'replace', path: '/retired_reason', value: 'old' }], LATEST);
    assert.equal(reason.status, 400);
    assert.match(faultOf(reason.body), /retired_reason field can only be set when retired is True/);
    await setState(n.uuid, 'manageable');
    const ok = await api(
      stack,
      'PATCH',
      `/v1/nodes/${n.uuid}`,
      [
        { op: 'replace', path: '/retired', value: true },
        { op: 'replace', path: '/retired_reason', value: 'EOL' },
      ],
      LATEST,
    );
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.retired_reason, 'EOL');
    const back = await api(stack, 'PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'replace', path: '/retired', value: false }], LATEST);
    assert.equal(back.status, 200, back.text);
    assert.equal(back.body.retired_reason, null);
  });

  test('service (1.87) is a known verb: 406 below it, 409 off active, and a 400 naming the steps that exist', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'svc' }, LATEST)).body;
    const steps = { target: 'service', service_steps: [{ interface: 'bios', step: 'apply_configuration' }] };
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, steps, V('1.86'))).status, 406);
    const notActive = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, steps, LATEST);
    assert.equal(notActive.status, 409);
    await setState(n.uuid, 'active');
    const r = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, steps, LATEST);
    assert.equal(r.status, 400);
    assert.match(faultOf(r.body), /bios\.apply_configuration.*service steps that exist are: none/);
    const missing = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'service' }, LATEST);
    assert.equal(missing.status, 400);
    assert.match(faultOf(missing.body), /"service_steps" is required/);
  });

  test('disable_power_off: power off is refused with the reason, the flag PATCHes at 1.95', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'always-on', disable_power_off: true }, LATEST)).body;
    assert.equal(n.disable_power_off, true);
    const r = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/power`, { target: 'power off' }, LATEST);
    assert.equal(r.status, 400);
    assert.match(faultOf(r.body), /disable_power_off set: it may not be powered off/);
    const p = await api(stack, 'PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'replace', path: '/disable_power_off', value: false }], LATEST);
    assert.equal(p.status, 200);
    assert.equal(p.body.disable_power_off, false);
  });
});
