import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CIPHER_SUITES } from './cipher-suites';
import { decodeOpenSessionResponse, decodeRakp2, decodeRakp4, encodeOpenSessionRequest, encodeRakp1, encodeRakp3 } from './rakp';

test('Open Session Request: tag, privilege, console SID, three 8-byte algorithm payloads', () => {
  const b = encodeOpenSessionRequest({ tag: 5, privilege: 4, consoleSessionId: 0xa0b0c0d0, suite: CIPHER_SUITES[17] });
  assert.equal(b.length, 32);
  assert.equal(b.toString('hex'), '05040000d0c0b0a0' + '0000000803000000' + '0100000804000000' + '0200000801000000');
});

test('Open Session Response: success and a short error response', () => {
  const ok = Buffer.from('05000400d0c0b0a0' + '44332211' + '0000000801000000' + '0100000801000000' + '0200000801000000', 'hex');
  const r = decodeOpenSessionResponse(ok);
  assert.equal(r.status, 0);
  assert.equal(r.bmcSessionId, 0x11223344);
  assert.equal(r.consoleSessionId, 0xa0b0c0d0);
  assert.deepEqual([r.authAlgorithm, r.integrityAlgorithm, r.confidentialityAlgorithm], [1, 1, 1]);
  assert.equal(decodeOpenSessionResponse(Buffer.from([5, 0x04])).status, 0x04);
});

test('RAKP 1 layout and RAKP 3 layout', () => {
  const r1 = encodeRakp1({
    tag: 1,
    bmcSessionId: 0x11223344,
    consoleRandom: Buffer.alloc(16, 0xaa),
    role: 0x14,
    username: Buffer.from('admin'),
  });
  assert.equal(r1.length, 33);
  assert.equal(r1.readUInt32LE(4), 0x11223344);
  assert.equal(r1[24], 0x14);
  assert.equal(r1[27], 5);
  assert.equal(r1.subarray(28).toString(), 'admin');
  const r3 = encodeRakp3({ tag: 1, status: 0, bmcSessionId: 0x11223344, authCode: Buffer.alloc(20, 1) });
  assert.equal(r3.toString('hex').slice(0, 16), '0100000044332211');
  assert.equal(r3.length, 28);
});

test('RAKP 2 and RAKP 4 decoding, errors included', () => {
  const r2 = Buffer.concat([Buffer.from('0100000044332211', 'hex'), Buffer.alloc(16, 2), Buffer.alloc(16, 3), Buffer.alloc(20, 4)]);
  const d = decodeRakp2(r2);
  assert.equal(d.consoleSessionId, 0x11223344);
  assert.deepEqual(d.bmcRandom, Buffer.alloc(16, 2));
  assert.deepEqual(d.bmcGuid, Buffer.alloc(16, 3));
  assert.deepEqual(d.authCode, Buffer.alloc(20, 4));
  assert.equal(decodeRakp2(Buffer.from('010d000044332211', 'hex')).status, 0x0d);
  assert.equal(decodeRakp4(Buffer.from('010f000044332211', 'hex')).status, 0x0f);
});
