// The registry and the one driver_info check, as the API and the worker use them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deployNeeds,
  driverInfoProblems,
  driverProperties,
  findHardwareType,
  HARDWARE_TYPES,
  INTERFACE_TYPES,
  resolveInterfaces,
} from './index';

const ipmi = (driverInfo: Record<string, unknown>, interfaces: Record<string, unknown> = {}) => ({
  driver: 'ipmi',
  interfaces,
  driverInfo,
});

describe('hardware type table', () => {
  test('every interface type has a default, which is enabled, and each interface sits under its own type', () => {
    for (const hw of HARDWARE_TYPES) {
      for (const t of INTERFACE_TYPES) {
        assert.ok(hw.interfaces[t].length > 0, `${hw.name} ${t}`);
        assert.equal(hw.defaults[t], hw.interfaces[t][0].name);
        assert.ok(hw.enabled[t].includes(hw.defaults[t]));
        for (const i of hw.interfaces[t]) assert.equal(i.type, t, `${hw.name}: ${i.name}`);
        assert.equal(new Set(hw.enabled[t]).size, hw.enabled[t].length, `${hw.name} ${t}: names are unique`);
      }
    }
    assert.equal(new Set(HARDWARE_TYPES.map((h) => h.name)).size, HARDWARE_TYPES.length);
  });

  test('ipmi: the defaults and enabled lists the API has always shown', () => {
    const hw = findHardwareType('ipmi')!;
    assert.deepEqual(hw.defaults, {
      bios: 'no-bios',
      boot: 'pxe',
      console: 'no-console',
      deploy: 'iscsi',
      firmware: 'no-firmware',
      inspect: 'no-inspect',
      management: 'ipmi',
      network: 'noop',
      power: 'ipmi',
      raid: 'no-raid',
      rescue: 'no-rescue',
      storage: 'noop',
      vendor: 'no-vendor',
    });
    assert.deepEqual(hw.enabled.power, ['ipmi', 'ipmitool']);
    assert.deepEqual(hw.enabled.management, ['ipmi', 'ipmitool']);
    assert.deepEqual(hw.enabled.boot, ['pxe', 'ipxe']);
    assert.deepEqual(hw.enabled.deploy, ['iscsi', 'direct']);
    // metal3 enrolls with inspect_interface agent and raid_interface no-raid or agent.
    assert.deepEqual(hw.enabled.inspect, ['no-inspect', 'agent']);
    assert.deepEqual(hw.enabled.raid, ['no-raid', 'agent']);
    assert.equal(findHardwareType('nosuch'), undefined);
  });

  test("properties are the union of the default interfaces' properties, power first", () => {
    assert.deepEqual(Object.keys(driverProperties(findHardwareType('ipmi')!)), [
      'ipmi_address',
      'ipmi_port',
      'ipmi_username',
      'ipmi_password',
      'ipmi_cipher_suite',
      'deploy_kernel',
      'deploy_ramdisk',
    ]);
  });
});

describe('driverInfoProblems', () => {
  test('a complete IPMI driver_info has none', () => {
    assert.deepEqual(
      driverInfoProblems(
        ipmi({ ipmi_address: '10.0.0.5', ipmi_port: '623', ipmi_username: 'admin', ipmi_password: 'x', ipmi_cipher_suite: 17 }),
      ),
      [],
    );
  });

  test('a missing address is reported once, though power and management both read it', () => {
    assert.deepEqual(driverInfoProblems(ipmi({})), ["Missing the following IPMI credentials in node's driver_info: ['ipmi_address']."]);
    assert.deepEqual(driverInfoProblems(ipmi({}, { power: 'ipmitool' })), [
      "Missing the following IPMI credentials in node's driver_info: ['ipmi_address'].",
    ]);
  });

  test('allowMissing (enrolment) lets a missing address pass but not a malformed one', () => {
    assert.deepEqual(driverInfoProblems(ipmi({}), { allowMissing: true }), []);
    assert.deepEqual(driverInfoProblems(ipmi({ ipmi_address: 'bad host!' }), { allowMissing: true }), [
      'Invalid ipmi_address "bad host!": expected an IP address or host name.',
    ]);
  });

  test("power/management reasons come before the boot interface's, in the order they always had", () => {
    const reasons = driverInfoProblems(
      ipmi({
        ipmi_address: '10.0.0.5',
        ipmi_port: 70000,
        ipmi_cipher_suite: 1,
        ipmi_password: 'x'.repeat(21),
        deploy_kernel: '../../etc/shadow',
      }),
    );
    assert.equal(reasons.length, 4);
    assert.match(reasons[0], /^Invalid ipmi_port 70000/);
    assert.match(reasons[1], /^Invalid ipmi_cipher_suite 1/);
    assert.match(reasons[2], /^Invalid ipmi_password: IPMI allows at most 20 characters/);
    assert.match(reasons[3], /^Invalid driver_info\.deploy_kernel/);
    // The ipxe boot interface reads the same deploy ramdisk keys.
    assert.deepEqual(
      driverInfoProblems(ipmi({ ipmi_address: 'h', deploy_kernel: '../../etc/shadow' }, { boot: 'ipxe' })),
      reasons.slice(3),
    );
  });

  test('an unknown driver or an interface the hardware type does not enable is a reason too', () => {
    assert.deepEqual(driverInfoProblems({ driver: 'nosuch', interfaces: {}, driverInfo: {} }), [
      `Unknown driver nosuch: known drivers are ${HARDWARE_TYPES.map((h) => h.name).join(', ')}.`,
    ]);
    assert.deepEqual(driverInfoProblems(ipmi({ ipmi_address: 'h' }, { power: 'redfish' })), [
      'The power interface redfish is not enabled for driver ipmi: use one of ipmi, ipmitool.',
    ]);
  });

  test('other keys of the interfaces column (network_data) are ignored', () => {
    assert.deepEqual(driverInfoProblems(ipmi({ ipmi_address: 'h' }, { network_data: { links: [] } })), []);
  });
});

describe('resolveInterfaces and deployNeeds', () => {
  test('an override wins over the default', () => {
    const r = resolveInterfaces({ driver: 'ipmi', interfaces: { power: 'ipmitool' } });
    assert.equal(r.interfaces.power?.name, 'ipmitool');
    assert.equal(r.interfaces.management?.name, 'ipmi');
  });

  test('ipmi deploys write an image over a network boot; an unknown driver is held to the same', () => {
    assert.deepEqual(deployNeeds({ driver: 'ipmi', interfaces: {} }), { pxePort: true, image: true });
    assert.deepEqual(deployNeeds({ driver: 'ipmi', interfaces: { deploy: 'direct', boot: 'ipxe' } }), { pxePort: true, image: true });
    assert.deepEqual(deployNeeds({ driver: 'nosuch', interfaces: {} }), { pxePort: true, image: true });
  });
});
