// RMCP+ session establishment messages (IPMI v2.0 sections 13.17-13.23):
// Open Session Request/Response and RAKP messages 1-4, as plain encoders and
// decoders. Verification of the auth codes lives in crypto.ts.
import type { CipherSuite } from './cipher-suites';
import { IpmiProtocolError } from './errors';

export interface OpenSessionRequest {
  tag: number;
  /** Requested maximum privilege (0 = highest the cipher suite allows, 4 = administrator). */
  privilege: number;
  consoleSessionId: number;
  suite: CipherSuite;
}

function algorithmPayload(kind: 0 | 1 | 2, algorithm: number): Buffer {
  return Buffer.from([kind, 0, 0, 0x08, algorithm & 0x3f, 0, 0, 0]);
}

export function encodeOpenSessionRequest(r: OpenSessionRequest): Buffer {
  const head = Buffer.alloc(8);
  head[0] = r.tag;
  head[1] = r.privilege & 0x0f;
  head.writeUInt32LE(r.consoleSessionId >>> 0, 4);
  return Buffer.concat([
    head,
    algorithmPayload(0, r.suite.authAlgorithm),
    algorithmPayload(1, r.suite.integrityAlgorithm),
    algorithmPayload(2, r.suite.confidentialityAlgorithm),
  ]);
}

export interface OpenSessionResponse {
  tag: number;
  status: number;
  privilege: number;
  consoleSessionId: number;
  bmcSessionId: number;
  authAlgorithm: number;
  integrityAlgorithm: number;
  confidentialityAlgorithm: number;
}

export function decodeOpenSessionResponse(b: Buffer): OpenSessionResponse {
  if (b.length < 2) throw new IpmiProtocolError('short Open Session response');
  const status = b[1];
  if (status !== 0 || b.length < 36) {
    // Error responses may be cut short after the status byte.
    const sid = b.length >= 8 ? b.readUInt32LE(4) : 0;
    return {
      tag: b[0],
      status: status === 0 ? 0xff : status,
      privilege: 0,
      consoleSessionId: sid,
      bmcSessionId: 0,
      authAlgorithm: 0,
      integrityAlgorithm: 0,
      confidentialityAlgorithm: 0,
    };
  }
  return {
    tag: b[0],
    status,
    privilege: b[2] & 0x0f,
    consoleSessionId: b.readUInt32LE(4),
    bmcSessionId: b.readUInt32LE(8),
    authAlgorithm: b[16] & 0x3f,
    integrityAlgorithm: b[24] & 0x3f,
    confidentialityAlgorithm: b[32] & 0x3f,
  };
}

export interface Rakp1 {
  tag: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  role: number;
  username: Buffer;
}

export function encodeRakp1(r: Rakp1): Buffer {
  const b = Buffer.alloc(28 + r.username.length);
  b[0] = r.tag;
  b.writeUInt32LE(r.bmcSessionId >>> 0, 4);
  r.consoleRandom.copy(b, 8);
  b[24] = r.role;
  b[27] = r.username.length;
  r.username.copy(b, 28);
  return b;
}

export interface Rakp2 {
  tag: number;
  status: number;
  consoleSessionId: number;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  authCode: Buffer;
}

export function decodeRakp2(b: Buffer): Rakp2 {
  if (b.length < 2) throw new IpmiProtocolError('short RAKP 2');
  const status = b[1];
  if (status !== 0) {
    const sid = b.length >= 8 ? b.readUInt32LE(4) : 0;
    const empty = Buffer.alloc(0);
    return { tag: b[0], status, consoleSessionId: sid, bmcRandom: empty, bmcGuid: empty, authCode: empty };
  }
  if (b.length < 40) throw new IpmiProtocolError('short RAKP 2');
  return {
    tag: b[0],
    status,
    consoleSessionId: b.readUInt32LE(4),
    bmcRandom: Buffer.from(b.subarray(8, 24)),
    bmcGuid: Buffer.from(b.subarray(24, 40)),
    authCode: Buffer.from(b.subarray(40)),
  };
}

export interface Rakp3 {
  tag: number;
  status: number;
  bmcSessionId: number;
  authCode: Buffer;
}

export function encodeRakp3(r: Rakp3): Buffer {
  const b = Buffer.alloc(8 + r.authCode.length);
  b[0] = r.tag;
  b[1] = r.status;
  b.writeUInt32LE(r.bmcSessionId >>> 0, 4);
  r.authCode.copy(b, 8);
  return b;
}

export interface Rakp4 {
  tag: number;
  status: number;
  consoleSessionId: number;
  icv: Buffer;
}

export function decodeRakp4(b: Buffer): Rakp4 {
  if (b.length < 2) throw new IpmiProtocolError('short RAKP 4');
  const sid = b.length >= 8 ? b.readUInt32LE(4) : 0;
  return { tag: b[0], status: b[1], consoleSessionId: sid, icv: Buffer.from(b.subarray(8)) };
}
