import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chassisControl,
  decodeBootFlags,
  encodeBootFlags,
  getBootFlags,
  parseBootFlagsResponse,
  parseChassisStatus,
  parseDeviceId,
  setBootFlags,
} from './commands';

describe('chassis control', () => {
  test('action codes from table 28-4', () => {
    assert.deepEqual(
      (['down', 'up', 'cycle', 'hardReset', 'diagInterrupt', 'softShutdown'] as const).map((a) => chassisControl(a).data[0]),
      [0, 1, 2, 3, 4, 5],
    );
    assert.equal(chassisControl('up').netFn, 0x00);
    assert.equal(chassisControl('up').cmd, 0x02);
  });

  test('chassis status: power bit and restore policy', () => {
    assert.equal(parseChassisStatus(Buffer.from([0x41, 0, 0])).powerOn, true);
    assert.equal(parseChassisStatus(Buffer.from([0x41, 0, 0])).restorePolicy, 2);
    assert.equal(parseChassisStatus(Buffer.from([0x00, 0, 0])).powerOn, false);
    assert.throws(() => parseChassisStatus(Buffer.from([1])));
  });
});

describe('boot flags (parameter 5)', () => {
  test('valid bit always; persistent bit 6; EFI bit 5; selector in bits 5:2 of byte 2', () => {
    assert.equal(encodeBootFlags('pxe', false, false).toString('hex'), '8004000000');
    assert.equal(encodeBootFlags('pxe', true, true).toString('hex'), 'e004000000');
    assert.equal(encodeBootFlags('disk', true, false).toString('hex'), 'c008000000');
    assert.equal(encodeBootFlags('safe', false, false).toString('hex'), '800c000000');
    assert.equal(encodeBootFlags('cdrom', false, true).toString('hex'), 'a014000000');
    assert.equal(encodeBootFlags('bios', false, false).toString('hex'), '8018000000');
  });

  test('set and get requests', () => {
    assert.equal(setBootFlags('pxe', true, false).data.toString('hex'), '05c004000000');
    assert.equal(getBootFlags().data.toString('hex'), '050000');
  });

  test('decoding is the inverse of encoding', () => {
    for (const dev of ['pxe', 'disk', 'safe', 'cdrom', 'bios'] as const) {
      for (const persistent of [false, true]) {
        for (const uefi of [false, true]) {
          assert.deepEqual(decodeBootFlags(encodeBootFlags(dev, persistent, uefi)), {
            device: dev,
            selector: decodeBootFlags(encodeBootFlags(dev, persistent, uefi)).selector,
            persistent,
            uefi,
            valid: true,
          });
        }
      }
    }
  });

  test('Get System Boot Options response as ipmi_sim sends it (valid bit clear)', () => {
    const f = parseBootFlagsResponse(Buffer.from('01050004000000', 'hex'));
    assert.equal(f.device, 'pxe');
    assert.equal(f.valid, false);
    assert.equal(f.persistent, false);
    assert.throws(() => parseBootFlagsResponse(Buffer.from('01040004000000', 'hex')));
  });
});

test('Get Device ID: firmware, IPMI version, manufacturer, product', () => {
  const d = parseDeviceId(Buffer.from('0003090802 9f 911200 020f'.replace(/ /g, ''), 'hex'));
  assert.deepEqual(d, {
    deviceId: 0,
    deviceRevision: 3,
    firmwareRevision: '9.08',
    ipmiVersion: '2.0',
    manufacturerId: 0x1291,
    productId: 0x0f02,
  });
});
