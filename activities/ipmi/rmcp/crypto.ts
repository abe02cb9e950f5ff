// RMCP+ cryptography (IPMI v2.0 sections 13.28-13.32): RAKP key-exchange
// codes, session key derivation (SIK, K1, K2), per-message integrity and
// AES-CBC-128 confidentiality with IPMI's own padding.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CipherSuite, HashName } from './cipher-suites';
import { IpmiProtocolError } from './errors';

export function hmac(hash: HashName, key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

/** What both sides know after RAKP 2; everything the key exchange codes are computed over. */
export interface RakpContext {
  consoleSessionId: number;
  bmcSessionId: number;
  consoleRandom: Buffer; // Rm, 16 bytes
  bmcRandom: Buffer; // Rc, 16 bytes
  bmcGuid: Buffer; // GUIDc, 16 bytes
  role: number; // the RAKP 1 role byte (privilege | name-only-lookup bit)
  username: Buffer;
}

function roleAndName(ctx: RakpContext): Buffer {
  return Buffer.concat([Buffer.from([ctx.role, ctx.username.length]), ctx.username]);
}

/** RAKP 2 key exchange auth code: HMAC_Kuid(SIDm, SIDc, Rm, Rc, GUIDc, ROLEm, ULENGTHm, UNAMEm). */
export function rakp2AuthCode(suite: CipherSuite, password: Buffer, ctx: RakpContext): Buffer {
  return hmac(
    suite.hash,
    password,
    u32le(ctx.consoleSessionId),
    u32le(ctx.bmcSessionId),
    ctx.consoleRandom,
    ctx.bmcRandom,
    ctx.bmcGuid,
    roleAndName(ctx),
  );
}

/** RAKP 3 key exchange auth code: HMAC_Kuid(Rc, SIDm, ROLEm, ULENGTHm, UNAMEm). */
export function rakp3AuthCode(suite: CipherSuite, password: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, password, ctx.bmcRandom, u32le(ctx.consoleSessionId), roleAndName(ctx));
}

/** Session Integrity Key: HMAC_KG(Rm, Rc, ROLEm, ULENGTHm, UNAMEm); KG defaults to the user's password. */
export function sessionIntegrityKey(suite: CipherSuite, kg: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, kg, ctx.consoleRandom, ctx.bmcRandom, roleAndName(ctx));
}

/** K_n = HMAC_SIK(const_n), const_n = the byte n repeated hash-length times. */
export function additionalKey(suite: CipherSuite, sik: Buffer, n: 1 | 2): Buffer {
  return hmac(suite.hash, sik, Buffer.alloc(suite.hashLength, n));
}

/** RAKP 4 integrity check value: HMAC_SIK(Rm, SIDc, GUIDc), truncated. */
export function rakp4Icv(suite: CipherSuite, sik: Buffer, ctx: RakpContext): Buffer {
  return hmac(suite.hash, sik, ctx.consoleRandom, u32le(ctx.bmcSessionId), ctx.bmcGuid).subarray(0, suite.integrityLength);
}

export interface SessionKeys {
  sik: Buffer;
  k1: Buffer; // integrity key
  k2: Buffer; // confidentiality key (first 16 bytes used by AES-CBC-128)
}

export function deriveSessionKeys(suite: CipherSuite, kg: Buffer, ctx: RakpContext): SessionKeys {
  const sik = sessionIntegrityKey(suite, kg, ctx);
  return { sik, k1: additionalKey(suite, sik, 1), k2: additionalKey(suite, sik, 2) };
}

/** Per-message AuthCode: HMAC_K1 over the covered bytes, truncated (12 bytes SHA1-96, 16 bytes SHA256-128). */
export function integrityCode(suite: CipherSuite, k1: Buffer, covered: Buffer): Buffer {
  return hmac(suite.hash, k1, covered).subarray(0, suite.integrityLength);
}

/**
 * IPMI confidentiality padding (section 13.29): bytes 1, 2, 3, ... then the pad
 * length, so that data + pad + length byte is a multiple of 16. AES itself adds none.
 */
export function confidentialityPad(dataLength: number): Buffer {
  const padLength = (16 - ((dataLength + 1) % 16)) % 16;
  const pad = Buffer.alloc(padLength + 1);
  for (let i = 0; i < padLength; i++) pad[i] = i + 1;
  pad[padLength] = padLength;
  return pad;
}

/** AES-CBC-128 payload: a fresh 16-byte IV followed by the encrypted, padded data. */
export function encryptPayload(k2: Buffer, plain: Buffer, iv: Buffer = randomBytes(16)): Buffer {
  const c = createCipheriv('aes-128-cbc', k2.subarray(0, 16), iv);
  c.setAutoPadding(false);
  return Buffer.concat([iv, c.update(Buffer.concat([plain, confidentialityPad(plain.length)])), c.final()]);
}

export function decryptPayload(k2: Buffer, payload: Buffer): Buffer {
  if (payload.length < 32 || payload.length % 16 !== 0) {
    throw new IpmiProtocolError(`encrypted payload has a bad length (${payload.length})`);
  }
  const d = createDecipheriv('aes-128-cbc', k2.subarray(0, 16), payload.subarray(0, 16));
  d.setAutoPadding(false);
  const plain = Buffer.concat([d.update(payload.subarray(16)), d.final()]);
  const padLength = plain[plain.length - 1];
  if (padLength > 15) throw new IpmiProtocolError('bad confidentiality pad length');
  const end = plain.length - 1 - padLength;
  for (let i = 0; i < padLength; i++) {
    if (plain[end + i] !== i + 1) throw new IpmiProtocolError('bad confidentiality pad');
  }
  return plain.subarray(0, end);
}
