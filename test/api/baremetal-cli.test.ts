// The real `baremetal` CLI drives Ironflow through the inventory and manage/provide
// lifecycle, as an operator would (IRONIC_API.md §11).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, api, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';

describe('baremetal CLI against Ironflow', () => {
  let stack: TestStack;
  let nodeUuid: string;
  let portUuid: string;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.stop());

  test('driver list and show', async () => {
    const list = await baremetalJson(stack.url, ['driver', 'list']);
    assert.deepEqual(
      list.map((d: any) => d['Supported driver(s)']),
      ['fake-hardware', 'ipmi', 'redfish'],
    );
    const show = await baremetalJson(stack.url, ['driver', 'show', 'ipmi']);
    assert.equal(show.default_power_interface, 'ipmi');
    assert.equal(show.enabled_power_interfaces, 'ipmi, ipmitool'); // the CLI joins lists
  });

  test('node create hides the BMC password and refuses a duplicate name', async () => {
    const created = await baremetalJson(stack.url, [
      'node',
      'create',
      '--driver',
      'ipmi',
      '--name',
      'n1',
      '--driver-info',
      'ipmi_address=127.0.0.1',
      '--driver-info',
      'ipmi_username=admin',
      '--driver-info',
      'ipmi_password=Sup3rSecretPw',
      '--property',
      'cpus=8',
      '--property',
      'memory_mb=16384',
      '--resource-class',
      'baremetal',
    ]);
    nodeUuid = created.uuid;
    assert.equal(created.provision_state, 'enroll');
    assert.equal(created.driver_info.ipmi_password, '******');
    assert.equal(created.properties.cpus, 8);
    const dup = await baremetal(stack.url, ['node', 'create', '--driver', 'ipmi', '--name', 'n1']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /A node with name n1 already exists\. \(HTTP 409\)/);
  });

  test('node list, list --long and show --fields', async () => {
    const list = await baremetalJson(stack.url, ['node', 'list']);
    assert.equal(list.length, 1);
    assert.equal(list[0].Name, 'n1');
    assert.equal(list[0]['Provisioning State'], 'enroll');
    const long = await baremetalJson(stack.url, ['node', 'list', '--long']);
    assert.equal(long[0]['Driver Info'].ipmi_password, '******');
    const show = await baremetalJson(stack.url, ['node', 'show', 'n1', '--fields', 'uuid', 'name', 'provision_state']);
    assert.deepEqual(Object.keys(show).sort(), ['name', 'provision_state', 'uuid']);
  });

  test('node set and unset patch nested fields; removing a missing key is a clear 400', async () => {
    const set = await baremetal(stack.url, [
      'node',
      'set',
      'n1',
      '--driver-info',
      'ipmi_port=623',
      '--property',
      'cpus=16',
      '--instance-info',
      'image_source=http://example.com/img.qcow2',
      '--extra',
      'rack=r1',
    ]);
    assert.equal(set.code, 0, set.stderr);
    await baremetal(stack.url, ['node', 'unset', 'n1', '--extra', 'rack']);
    const show = await baremetalJson(stack.url, ['node', 'show', 'n1']);
    assert.equal(show.driver_info.ipmi_port, 623);
    assert.equal(show.driver_info.ipmi_password, '******');
    assert.equal(show.properties.cpus, 16);
    assert.deepEqual(show.extra, {});
    const bad = await baremetal(stack.url, ['node', 'unset', 'n1', '--property', 'nonexistent']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /can't remove a non-existent object 'nonexistent' \(HTTP 400\)/);
    // The password survived the patches, sealed at rest.
    const row = await stack.db.node.findUniqueOrThrow({ where: { uuid: nodeUuid } });
    assert.doesNotMatch(row.driverInfo, /Sup3rSecretPw/);
    assert.match(row.driverInfo, /\$sealed:v1:/);
  });

  test('node validate reports each interface', async () => {
    const v = await baremetalJson(stack.url, ['node', 'validate', 'n1']);
    const byName = Object.fromEntries(v.map((r: any) => [r.Interface, r]));
    assert.equal(byName.power.Result, true);
    assert.equal(byName.boot.Result, false);
    assert.match(byName.boot.Reason, /does not have any port/);
    assert.equal(Object.keys(byName).length, 11);
  });

  test('port create, duplicate and malformed MACs, list, show, set', async () => {
    const port = await baremetalJson(stack.url, [
      'port',
      'create',
      '52:54:00:AA:BB:01',
      '--node',
      nodeUuid,
      '--local-link-connection',
      'switch_id=aa:bb:cc:dd:ee:ff',
      '--local-link-connection',
      'port_id=Eth1/1',
    ]);
    portUuid = port.uuid;
    assert.equal(port.address, '52:54:00:aa:bb:01');
    assert.equal(port.pxe_enabled, true);
    const dup = await baremetal(stack.url, ['port', 'create', '52:54:00:aa:bb:01', '--node', nodeUuid]);
    assert.match(dup.stderr, /A port with MAC address 52:54:00:aa:bb:01 already exists\. \(HTTP 409\)/);
    const bad = await baremetal(stack.url, ['port', 'create', '52:54:00:aa:bb:zz', '--node', nodeUuid]);
    assert.match(bad.stderr, /Expected valid MAC address for address: 52:54:00:aa:bb:zz.*\(HTTP 400\)/);
    const list = await baremetalJson(stack.url, ['port', 'list', '--node', 'n1', '--long']);
    assert.equal(list.length, 1);
    assert.equal(list[0]['Node UUID'], nodeUuid);
    const byAddress = await baremetal(stack.url, ['port', 'show', '--address', '52:54:00:aa:bb:01', '-f', 'value', '-c', 'uuid']);
    assert.equal(byAddress.stdout.trim(), portUuid);
    const set = await baremetal(stack.url, ['port', 'set', portUuid, '--extra', 'foo=bar', '--pxe-disabled']);
    assert.equal(set.code, 0, set.stderr);
    const shown = await baremetalJson(stack.url, ['port', 'show', portUuid]);
    assert.equal(shown.pxe_enabled, false);
    assert.deepEqual(shown.extra, { foo: 'bar' });
    await baremetal(stack.url, ['port', 'set', portUuid, '--pxe-enabled']);
  });

  test('deploy from enroll is refused; manage and provide --wait reach their states', async () => {
    const deploy = await baremetal(stack.url, ['node', 'deploy', 'n1']);
    assert.equal(deploy.code, 1);
    assert.match(deploy.stderr, /"active" can not be performed on node .* while it is in state "enroll"/);
    const manage = await baremetal(stack.url, ['node', 'manage', 'n1', '--wait', '60']);
    assert.equal(manage.code, 0, manage.stderr);
    assert.equal((await baremetalJson(stack.url, ['node', 'show', 'n1'])).provision_state, 'manageable');
    const provide = await baremetal(stack.url, ['node', 'provide', 'n1', '--wait', '120']);
    assert.equal(provide.code, 0, provide.stderr);
    const avail = await baremetalJson(stack.url, ['node', 'list', '--provision-state', 'available']);
    assert.deepEqual(
      avail.map((n: any) => n.Name),
      ['n1'],
    );
  });

  test('maintenance set and unset, and the list filter', async () => {
    await baremetal(stack.url, ['node', 'maintenance', 'set', 'n1', '--reason', 'disk swap']);
    const m = await baremetalJson(stack.url, ['node', 'show', 'n1']);
    assert.equal(m.maintenance, true);
    assert.equal(m.maintenance_reason, 'disk swap');
    assert.equal((await baremetalJson(stack.url, ['node', 'list', '--maintenance'])).length, 1);
    await baremetal(stack.url, ['node', 'maintenance', 'unset', 'n1']);
    const u = await baremetalJson(stack.url, ['node', 'show', 'n1']);
    assert.equal(u.maintenance, false);
    assert.equal(u.maintenance_reason, null);
  });

  test('node history lists who did what', async () => {
    const hist = await baremetalJson(stack.url, ['node', 'history', 'list', 'n1']);
    const events = hist.map((h: any) => h['Description of the event']);
    assert.ok(events.some((e: string) => /enrolled/.test(e)));
    assert.ok(events.some((e: string) => /manage finished: verifying -> manageable/.test(e)));
    assert.ok(events.some((e: string) => /Maintenance set: disk swap/.test(e)));
    const one = await baremetalJson(stack.url, ['node', 'history', 'get', 'n1', hist[0].UUID]);
    assert.equal(one.user, 'anonymous@loopback');
    assert.equal(one.event_type, 'inventory');
  });

  test('port delete, node delete, then show is 404; the password never appeared', async () => {
    const pd = await baremetal(stack.url, ['port', 'delete', portUuid]);
    assert.match(pd.stdout, new RegExp(`Deleted port ${portUuid}`));
    const nd = await baremetal(stack.url, ['node', 'delete', 'n1']);
    assert.match(nd.stdout, /Deleted node n1/);
    const gone = await baremetal(stack.url, ['node', 'show', 'n1']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /Node n1 could not be found\. \(HTTP 404\)/);
    assert.equal((await api(stack, 'GET', '/v1/ports')).body.ports.length, 0);
    assert.doesNotMatch(stack.logs(), /Sup3rSecretPw/);
  });
});
