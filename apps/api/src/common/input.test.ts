import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeUuid, readBool, readMac, readUuid } from './input';

test('booleans accept the spellings the CLI sends', () => {
  for (const t of [true, 'True', 'true', '1', 'yes', 'on', 't', 'Y']) assert.equal(readBool(t, 'x'), true);
  for (const f of [false, 'False', '0', 'no', 'off', 'f', 'N']) assert.equal(readBool(f, 'x'), false);
  assert.throws(() => readBool('maybe', 'maintenance'), /Invalid maintenance: Unrecognized value "maybe"/);
  assert.throws(() => readBool(1, 'x'), /Unrecognized value 1/);
});

test('MACs are six colon-separated pairs, stored lower-case', () => {
  assert.equal(readMac('52:54:00:AA:BB:01'), '52:54:00:aa:bb:01');
  for (const bad of [
    '52-54-00-aa-bb-01',
    '5254.00aa.bb01',
    '525400aabb01',
    '52:54:00:aa:bb',
    '52:54:00:aa:bb:zz',
    '52:54:00:aa:bb:01:02',
    5,
  ]) {
    assert.throws(() => readMac(bad), /Expected valid MAC address/);
  }
});

test('UUIDs are accepted in any case, with or without hyphens, and normalised', () => {
  assert.equal(readUuid('1BE26C0B03F24D2EAE87C02D7F33C123', 'u'), '1be26c0b-03f2-4d2e-ae87-c02d7f33c123');
  assert.equal(normalizeUuid('1be26c0b-03f2-4d2e-ae87-c02d7f33c123'), '1be26c0b-03f2-4d2e-ae87-c02d7f33c123');
  assert.throws(() => readUuid('node-1', 'node_uuid'), /Expected UUID for node_uuid: node-1/);
});
