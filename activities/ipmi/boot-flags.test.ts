import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootSettingFromHex } from './boot-flags';

test('boot flag bytes become the driver setting', () => {
  assert.deepEqual(bootSettingFromHex('e004000000'), { bootDevice: 'pxe', persistent: true, uefi: true });
  assert.deepEqual(bootSettingFromHex('8008000000'), { bootDevice: 'disk', persistent: false, uefi: false });
  // ipmi_sim: valid bit clear, selector kept (reported like Ironic does).
  assert.deepEqual(bootSettingFromHex('0014000000'), { bootDevice: 'cdrom', persistent: false, uefi: false });
  // no override, and devices the driver does not name
  assert.equal(bootSettingFromHex('8000000000').bootDevice, null);
  assert.equal(bootSettingFromHex('8010000000').bootDevice, null); // diagnostic partition
});
