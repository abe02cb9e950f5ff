import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checksum, decodeResponse, encodeRequest } from './ipmi-message';

const sumIsZero = (b: Buffer): boolean => b.reduce((s, x) => (s + x) & 0xff, 0) === 0;

test('request: BMC address, netFn/LUN, two zero-sum checksums, rqSeq in the upper 6 bits', () => {
  const b = encodeRequest({ netFn: 0x06, cmd: 0x38, rqSeq: 1, data: Buffer.from([0x8e, 0x04]) });
  assert.equal(b.toString('hex').slice(0, 12), '2018c8810438');
  assert.ok(sumIsZero(b.subarray(0, 3)));
  assert.ok(sumIsZero(b.subarray(3)));
});

test('response: decoded, and rejected when a checksum is wrong', () => {
  const body = Buffer.from([0x20, 0x04, 0x38, 0x00, 0x01, 0x02]); // rsAddr, rqSeq 1, cmd, cc, data
  const head = Buffer.from([0x81, 0x1c]);
  const b = Buffer.concat([head, Buffer.from([checksum(head)]), body, Buffer.from([checksum(body)])]);
  assert.deepEqual(decodeResponse(b), { netFn: 0x07, cmd: 0x38, rqSeq: 1, completionCode: 0, data: Buffer.from([1, 2]) });
  b[b.length - 1] ^= 0xff;
  assert.equal(decodeResponse(b), undefined);
});
