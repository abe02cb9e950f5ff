// fake-hardware in the registry: Ironic's interface names, nothing required of driver_info,
// and a deploy that needs neither an image nor a port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployNeeds, driverInfoProblems, driverProperties, findHardwareType } from './index';

test("fake-hardware has Ironic's fake interfaces as defaults, noop network and storage", () => {
  const hw = findHardwareType('fake-hardware');
  assert.ok(hw);
  assert.deepEqual(hw.defaults, {
    bios: 'fake',
    boot: 'fake',
    console: 'fake',
    deploy: 'fake',
    firmware: 'fake',
    inspect: 'fake',
    management: 'fake',
    network: 'noop',
    power: 'fake',
    raid: 'fake',
    rescue: 'fake',
    storage: 'noop',
    vendor: 'fake',
  });
  assert.deepEqual(driverProperties(hw), {});
});

test('fake-hardware asks nothing of driver_info, whatever it holds', () => {
  assert.deepEqual(driverInfoProblems({ driver: 'fake-hardware', interfaces: {}, driverInfo: {} }), []);
  // IPMI keys on a fake node are kept (Ironic's docs show them) and not checked.
  assert.deepEqual(
    driverInfoProblems({ driver: 'fake-hardware', interfaces: {}, driverInfo: { ipmi_address: 'not a host!', ipmi_port: 0 } }),
    [],
  );
  assert.deepEqual(driverInfoProblems({ driver: 'fake-hardware', interfaces: { power: 'ipmi' }, driverInfo: {} }), [
    'The power interface ipmi is not enabled for driver fake-hardware: use one of fake.',
  ]);
});

test('a fake deploy needs no image and no PXE port', () => {
  assert.deepEqual(deployNeeds({ driver: 'fake-hardware', interfaces: {} }), { pxePort: false, image: false });
});
