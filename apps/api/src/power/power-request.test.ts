import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBootDeviceRequest, parsePowerRequest, readBootDeviceBody, readPowerBody } from './power-request';

const node = { ident: 'n1', powerState: 'power off' };

describe('power request', () => {
  test('shape: an object with target and timeout only', () => {
    assert.deepEqual(readPowerBody({ target: 'power on' }), { target: 'power on' });
    assert.throws(() => readPowerBody('on'), /Schema error for power request: the request body must be a JSON object/);
    assert.throws(
      () => readPowerBody({ target: 'power on', force: true }),
      /Additional properties are not allowed \('force' was unexpected\)/,
    );
  });
  test('values: a known target, a positive timeout (default 120 s), and whether a timeout was sent', () => {
    assert.deepEqual(parsePowerRequest({ target: 'power on' }, node), { target: 'power on', timeoutSec: 120, timeoutGiven: false });
    assert.deepEqual(parsePowerRequest({ target: 'soft power off', timeout: '30' }, node), {
      target: 'soft power off',
      timeoutSec: 30,
      timeoutGiven: true,
    });
    assert.deepEqual(parsePowerRequest({ target: 'rebooting', timeout: null }, node), {
      target: 'rebooting',
      timeoutSec: 120,
      timeoutGiven: true,
    });
  });
  test('a bad target names the node and its power state, before the timeout is read', () => {
    assert.throws(
      () => parsePowerRequest({ target: 'on', timeout: 'x' }, node),
      /"on" can not be performed on node "n1" while it is in state "power off"\. Valid targets: power on, power off/,
    );
    assert.throws(() => parsePowerRequest({ target: 'power on', timeout: 'x' }, node), /Invalid timeout: expected an integer, got "x"/);
    assert.throws(() => parsePowerRequest({ target: 'power on', timeout: 0 }, node), /timeout has to be positive integer/);
  });
});

describe('boot device request', () => {
  test('shape, then a known device and a persistent flag (default false)', () => {
    assert.throws(() => readBootDeviceBody([]), /boot device request: the request body must be a JSON object/);
    assert.throws(() => readBootDeviceBody({ boot_device: 'pxe', once: true }), /'once' was unexpected/);
    assert.deepEqual(parseBootDeviceRequest({ boot_device: 'pxe' }), { device: 'pxe', persistent: false });
    assert.deepEqual(parseBootDeviceRequest({ boot_device: 'disk', persistent: 'true' }), { device: 'disk', persistent: true });
    assert.throws(
      () => parseBootDeviceRequest({ boot_device: 'usb' }),
      /Invalid boot device usb specified\. Supported: pxe, disk, cdrom, bios, safe\./,
    );
    assert.throws(
      () => parseBootDeviceRequest({ boot_device: 'pxe', persistent: 'maybe' }),
      /Invalid persistent: Unrecognized value "maybe"/,
    );
  });
});
