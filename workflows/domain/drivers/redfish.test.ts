// The redfish hardware type and its driver_info rules (names as Ironic's redfish driver has them).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deployNeeds, driverInfoProblems, driverProperties, findHardwareType, resolveInterfaces } from './index';
import { redfishBaseUrl, redfishCoordinates } from './redfish';

const GOOD = { redfish_address: 'https://10.0.0.5', redfish_username: 'root', redfish_password: 'calvin' };
const node = (driverInfo: Record<string, unknown>, interfaces: Record<string, unknown> = {}) => ({
  driver: 'redfish',
  interfaces,
  driverInfo,
});

describe('redfish hardware type', () => {
  test('power and management redfish; boot pxe by default, ipxe and redfish-virtual-media enabled; deploys as ipmi', () => {
    const hw = findHardwareType('redfish')!;
    assert.equal(hw.defaults.power, 'redfish');
    assert.equal(hw.defaults.management, 'redfish');
    assert.deepEqual(hw.enabled.boot, ['pxe', 'ipxe', 'redfish-virtual-media']);
    assert.deepEqual(hw.enabled.deploy, findHardwareType('ipmi')!.enabled.deploy);
    assert.deepEqual(deployNeeds({ driver: 'redfish', interfaces: { boot: 'redfish-virtual-media' } }), { pxePort: false, image: true });
    assert.equal(resolveInterfaces({ driver: 'redfish', interfaces: { boot: 'redfish-virtual-media' } }).problems.length, 0);
    const props = driverProperties(hw);
    for (const k of [
      'redfish_address',
      'redfish_system_id',
      'redfish_username',
      'redfish_password',
      'redfish_verify_ca',
      'redfish_auth_type',
    ])
      assert.ok(props[k], k);
  });

  test('driver_info: the required keys, and malformed values named', () => {
    assert.deepEqual(driverInfoProblems(node(GOOD)), []);
    assert.deepEqual(driverInfoProblems(node({})), [
      "Missing the following Redfish properties in node's driver_info: ['redfish_address','redfish_username','redfish_password'].",
    ]);
    assert.deepEqual(driverInfoProblems(node({}), { allowMissing: true }), []);
    const bad = driverInfoProblems(
      node({ ...GOOD, redfish_address: 'ftp://x', redfish_verify_ca: 'maybe', redfish_auth_type: 'kerberos', redfish_system_id: 7 }),
    );
    assert.equal(bad.length, 4, bad.join('\n'));
    assert.match(bad.join('\n'), /redfish_address "ftp:\/\/x"/);
    assert.match(bad.join('\n'), /redfish_verify_ca "maybe"/);
    assert.match(bad.join('\n'), /redfish_auth_type "kerberos"/);
    assert.match(bad.join('\n'), /redfish_system_id: expected a string/);
  });

  test('redfish_address: URLs keep their scheme and port, bare hosts get https', () => {
    assert.equal(redfishBaseUrl('https://bmc.example:8443/redfish/v1'), 'https://bmc.example:8443');
    assert.equal(redfishBaseUrl('http://10.0.0.5'), 'http://10.0.0.5');
    assert.equal(redfishBaseUrl('10.0.0.5'), 'https://10.0.0.5');
    assert.equal(redfishBaseUrl('bmc-1.lab:8443'), 'https://bmc-1.lab:8443');
    assert.equal(redfishBaseUrl('fd00::5'), 'https://[fd00::5]');
    assert.equal(redfishBaseUrl('https://user:pw@bmc'), undefined, 'no credentials in the address');
    assert.equal(redfishBaseUrl('not a host'), undefined);
  });

  test('coordinates: verify_ca true by default, false or a CA path; auth auto by default; the password is not among them', () => {
    const c = redfishCoordinates({ ...GOOD, redfish_system_id: '/redfish/v1/Systems/1' });
    assert.deepEqual(c, {
      baseUrl: 'https://10.0.0.5',
      systemId: '/redfish/v1/Systems/1',
      username: 'root',
      verifyCa: true,
      authType: 'auto',
    });
    assert.equal(redfishCoordinates({ ...GOOD, redfish_verify_ca: 'False' }).verifyCa, false);
    assert.equal(redfishCoordinates({ ...GOOD, redfish_verify_ca: false }).verifyCa, false);
    assert.equal(redfishCoordinates({ ...GOOD, redfish_verify_ca: '/etc/lab/ca.pem' }).verifyCa, '/etc/lab/ca.pem');
    assert.equal(redfishCoordinates({ ...GOOD, redfish_auth_type: 'basic' }).authType, 'basic');
    assert.ok(!JSON.stringify(c).includes('calvin'));
  });
});
