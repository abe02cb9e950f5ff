import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { decodeAsfPong, decodeIpmi15, decodeRmcpPlus, encodeAsfPing, encodeIpmi15, encodeRmcpPlus, PayloadType } from './framing';

describe('ASF presence ping', () => {
  test('ping bytes: RMCP ASF class, IANA 4542, type 0x80, tag', () => {
    assert.equal(encodeAsfPing(7).toString('hex'), '0600ff06000011be80070000');
  });

  test('pong: tag and IPMI support bit', () => {
    const pong = Buffer.from('0600ff06000011be4007001000000000000000008100000000000000', 'hex');
    assert.deepEqual(decodeAsfPong(pong), { tag: 7, ipmiSupported: true, interactions: 0 });
    assert.equal(decodeAsfPong(encodeAsfPing(7)), undefined, 'a ping is not a pong');
  });
});

describe('IPMI 1.5 session wrapper', () => {
  test('auth type none, zero sequence and session id, length byte, message', () => {
    const msg = Buffer.from('20180881043801', 'hex');
    const b = encodeIpmi15(msg);
    assert.equal(b.toString('hex'), `0600ff0700${'00'.repeat(8)}07${msg.toString('hex')}`);
    assert.deepEqual(decodeIpmi15(b), msg);
  });
});

describe('RMCP+ session wrapper', () => {
  const sign = (covered: Buffer): Buffer => createHmac('sha1', 'k1').update(covered).digest().subarray(0, 12);

  test('unauthenticated header layout: auth type 6, payload type, SID, seq, LE length', () => {
    const b = encodeRmcpPlus({
      payloadType: PayloadType.openSessionRequest,
      encrypted: false,
      authenticated: false,
      sessionId: 0,
      sequence: 0,
      payload: Buffer.from([1, 2, 3]),
    });
    assert.equal(b.toString('hex'), '0600ff070610' + '00000000' + '00000000' + '0300' + '010203');
  });

  test('authenticated: flags, integrity pad to a multiple of 4, pad length, next header 7, AuthCode', () => {
    for (let len = 0; len < 9; len++) {
      const payload = Buffer.alloc(len, 0xab);
      const b = encodeRmcpPlus({ payloadType: 0, encrypted: true, authenticated: true, sessionId: 0x01020304, sequence: 9, payload }, sign);
      assert.equal(b[5], 0xc0);
      assert.equal(b.readUInt32LE(6), 0x01020304);
      assert.equal(b.readUInt32LE(10), 9);
      const covered = b.length - 4 - 12;
      assert.equal(covered % 4, 0, `covered range for payload ${len}`);
      assert.equal(b[b.length - 13], 0x07);
      const padLength = b[b.length - 14];
      for (let i = 0; i < padLength; i++) assert.equal(b[16 + len + i], 0xff);
      const decoded = decodeRmcpPlus(b, (c, code) => sign(c).equals(code), 12);
      assert.ok(decoded);
      assert.deepEqual(decoded.payload, payload);
      assert.equal(decoded.encrypted, true);
      assert.equal(decoded.sequence, 9);
    }
  });

  test('a packet whose AuthCode does not verify is dropped', () => {
    const b = encodeRmcpPlus(
      { payloadType: 0, encrypted: false, authenticated: true, sessionId: 1, sequence: 1, payload: Buffer.from('hi') },
      sign,
    );
    b[16] ^= 1;
    assert.equal(
      decodeRmcpPlus(b, (c, code) => sign(c).equals(code), 12),
      undefined,
    );
  });
});
