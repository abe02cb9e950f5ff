// Key derivation and message protection against vectors computed
// independently with the openssl CLI from the spec's formulas, e.g.
//   SIK = printf RmRc1405admin | openssl dgst -sha256 -mac HMAC -macopt hexkey:<password>
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { CIPHER_SUITES } from './cipher-suites';
import {
  confidentialityPad,
  decryptPayload,
  deriveSessionKeys,
  encryptPayload,
  integrityCode,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  type RakpContext,
} from './crypto';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

const ctx: RakpContext = {
  consoleSessionId: 0x11223344,
  bmcSessionId: 0x55667788,
  consoleRandom: hex('000102030405060708090a0b0c0d0e0f'),
  bmcRandom: hex('101112131415161718191a1b1c1d1e1f'),
  bmcGuid: hex('202122232425262728292a2b2c2d2e2f'),
  role: 0x14,
  username: Buffer.from('admin'),
};
const password = Buffer.from('password');

const VECTORS = {
  3: {
    sik: '122c77c4b11ccd93251cbae6c34a9cb6310da154',
    k1: 'e4472be78f9a81fa68297aab696a7be8c97fc9f8',
    k2: '2b6552012a2517cb3b5713901d757a6efc7d8301',
    rakp2: '2e7fd8a738d32c333efbda301c8586c399efde2b',
    rakp3: '4402012e214da511895a399bd77d5396e7998a4d',
    rakp4: 'c2046b16cbbd0ccff6e65c49fcc5a68cdce40374',
  },
  17: {
    sik: 'e5935f7199865ad961063477b0662684e2ce9b1da8f2b8d41c5ce127d37e9bcf',
    k1: 'd2bb1919caf11253c1d7849dd7aa00825470ea0bec22df7ead719e11435b5d02',
    k2: 'fba574e70f910546e8a56bafa690a03b53b9d8a75b21028108d6e1fbd1bc41d6',
    rakp2: '745e52259d2e4dbcabfd78edc43348de04be340f218253b94668e3b3799411f0',
    rakp3: 'e6f17841e92f8c11cbc4fd1cafcc9c21e3d814e713e13e9ee640103b50c0ef15',
    rakp4: 'b67f9b97c9b2cefb65aeebe0633c96d288019eec4734069d565473c6d672cb84',
  },
} as const;

for (const id of [3, 17] as const) {
  const suite = CIPHER_SUITES[id];
  const v = VECTORS[id];
  describe(`cipher suite ${id} (${suite.hash})`, () => {
    test('session keys SIK, K1, K2 match the independent vectors', () => {
      const keys = deriveSessionKeys(suite, password, ctx);
      assert.equal(keys.sik.toString('hex'), v.sik);
      assert.equal(keys.k1.toString('hex'), v.k1);
      assert.equal(keys.k2.toString('hex'), v.k2);
    });

    test('RAKP 2 and RAKP 3 key exchange auth codes', () => {
      assert.equal(rakp2AuthCode(suite, password, ctx).toString('hex'), v.rakp2);
      assert.equal(rakp3AuthCode(suite, password, ctx).toString('hex'), v.rakp3);
    });

    test('RAKP 4 ICV is the truncated HMAC_SIK(Rm, SIDc, GUIDc)', () => {
      const icv = rakp4Icv(suite, hex(v.sik), ctx);
      assert.equal(icv.length, id === 3 ? 12 : 16);
      assert.equal(icv.toString('hex'), v.rakp4.slice(0, icv.length * 2));
    });

    test('a zero-padded 20-byte password key gives the same codes (how BMCs store it)', () => {
      const padded = Buffer.concat([password, Buffer.alloc(20 - password.length)]);
      assert.equal(rakp2AuthCode(suite, padded, ctx).toString('hex'), v.rakp2);
    });

    test('a different password gives a different RAKP 2 code', () => {
      assert.notEqual(rakp2AuthCode(suite, Buffer.from('passwore'), ctx).toString('hex'), v.rakp2);
    });
  });
}

describe('integrity', () => {
  test('HMAC-SHA1-96 is the first 12 bytes of HMAC-SHA1 under K1', () => {
    const code = integrityCode(CIPHER_SUITES[3], hex(VECTORS[3].k1), Buffer.from('abc'));
    assert.equal(code.toString('hex'), '6c14c31eb7f57ddab25081a2'); // openssl dgst -sha1 -mac HMAC
  });

  test('HMAC-SHA256-128 is the first 16 bytes of HMAC-SHA256 under K1', () => {
    const k1 = hex(VECTORS[17].k1);
    const full = createHmac('sha256', k1).update('abc').digest();
    const code = integrityCode(CIPHER_SUITES[17], k1, Buffer.from('abc'));
    assert.deepEqual(code, full.subarray(0, 16));
  });
});

describe('AES-CBC-128 confidentiality', () => {
  test('pad is 1, 2, 3, ... then the pad length, to a multiple of 16', () => {
    for (let len = 0; len < 40; len++) {
      const pad = confidentialityPad(len);
      assert.equal((len + pad.length) % 16, 0, `len ${len}`);
      const n = pad[pad.length - 1];
      assert.equal(pad.length, n + 1);
      for (let i = 0; i < n; i++) assert.equal(pad[i], i + 1);
    }
    assert.deepEqual(confidentialityPad(15), Buffer.from([0]));
    assert.deepEqual(confidentialityPad(7), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 8]));
  });

  test('encrypts as openssl aes-128-cbc -nopad over data + IPMI pad, IV first', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const iv = hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const out = encryptPayload(key, hex('20180181043801'), iv);
    assert.equal(out.toString('hex'), `${iv.toString('hex')}840baa6d26839dd92229b0e6c865d3c4`);
    assert.deepEqual(decryptPayload(key, out), hex('20180181043801'));
  });

  test('round-trips every length with the first 16 bytes of K2', () => {
    const k2 = hex(VECTORS[17].k2);
    for (let len = 0; len < 50; len++) {
      const plain = Buffer.alloc(len, len);
      assert.deepEqual(decryptPayload(k2, encryptPayload(k2, plain)), plain);
    }
  });

  test('rejects a corrupted pad and short payloads', () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const good = encryptPayload(key, Buffer.from('hello'));
    const wrongKey = hex('ff0102030405060708090a0b0c0d0e0f');
    assert.throws(() => decryptPayload(wrongKey, good));
    assert.throws(() => decryptPayload(key, good.subarray(0, 16)));
  });
});
