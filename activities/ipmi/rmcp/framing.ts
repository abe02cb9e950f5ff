// Packet framing on UDP port 623 (IPMI v2.0 sections 13.1-13.8):
//   RMCP header (4) | ASF message                     -- presence ping/pong
//   RMCP header (4) | IPMI 1.5 session header | msg   -- pre-session commands
//   RMCP header (4) | RMCP+ session header | payload | [integrity trailer]
import { IpmiProtocolError } from './errors';

export const RMCP_VERSION = 0x06;
export const RMCP_NO_ACK = 0xff;
export const RMCP_CLASS_ASF = 0x06;
export const RMCP_CLASS_IPMI = 0x07;
export const ASF_IANA = 4542;
export const AUTHTYPE_NONE = 0x00;
export const AUTHTYPE_RMCP_PLUS = 0x06;

export const PayloadType = {
  ipmi: 0x00,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

function rmcpHeader(cls: number): Buffer {
  return Buffer.from([RMCP_VERSION, 0x00, RMCP_NO_ACK, cls]);
}

// ---- ASF presence ping -------------------------------------------------------

export function encodeAsfPing(tag: number): Buffer {
  const b = Buffer.alloc(12);
  rmcpHeader(RMCP_CLASS_ASF).copy(b, 0);
  b.writeUInt32BE(ASF_IANA, 4);
  b[8] = 0x80; // presence ping
  b[9] = tag & 0xff;
  b[10] = 0x00;
  b[11] = 0x00; // no data
  return b;
}

export interface AsfPong {
  tag: number;
  ipmiSupported: boolean;
  /** Supported interactions byte: bit 7 = RMCP security extensions (RMCP+). */
  interactions: number;
}

export function decodeAsfPong(b: Buffer): AsfPong | undefined {
  if (b.length < 12 || b[0] !== RMCP_VERSION || (b[3] & 0x7f) !== RMCP_CLASS_ASF) return undefined;
  if (b.readUInt32BE(4) !== ASF_IANA || b[8] !== 0x40) return undefined;
  const len = b[11];
  if (b.length < 12 + len || len < 10) return { tag: b[9], ipmiSupported: false, interactions: 0 };
  return { tag: b[9], ipmiSupported: (b[20] & 0x80) !== 0, interactions: b[21] };
}

// ---- IPMI 1.5 session wrapper (only used unauthenticated, before a session) --

export function encodeIpmi15(message: Buffer): Buffer {
  const h = Buffer.alloc(14);
  rmcpHeader(RMCP_CLASS_IPMI).copy(h, 0);
  h[4] = AUTHTYPE_NONE; // session sequence and ID stay 0
  h[13] = message.length;
  return Buffer.concat([h, message]);
}

export function decodeIpmi15(b: Buffer): Buffer | undefined {
  if (b.length < 14 || b[0] !== RMCP_VERSION || b[3] !== RMCP_CLASS_IPMI) return undefined;
  const authType = b[4];
  if (authType === AUTHTYPE_RMCP_PLUS) return undefined;
  const lenAt = authType === AUTHTYPE_NONE ? 13 : 29;
  if (b.length < lenAt + 1) return undefined;
  const len = b[lenAt];
  if (b.length < lenAt + 1 + len) return undefined;
  return b.subarray(lenAt + 1, lenAt + 1 + len);
}

// ---- RMCP+ session wrapper ----------------------------------------------------

export interface RmcpPlusPacket {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  /** The payload as carried on the wire (still encrypted when `encrypted`). */
  payload: Buffer;
}

const RMCP_PLUS_HEADER = 16; // RMCP 4 + authType 1 + payload type 1 + SID 4 + seq 4 + length 2

/**
 * Builds an RMCP+ packet. When `sign` is given the packet gets the integrity
 * trailer: 0xFF pad so the signed range (auth type .. next header) is a
 * multiple of 4, pad length, next header 0x07, then sign(signed range).
 */
export function encodeRmcpPlus(p: RmcpPlusPacket, sign?: (covered: Buffer) => Buffer): Buffer {
  const head = Buffer.alloc(RMCP_PLUS_HEADER);
  rmcpHeader(RMCP_CLASS_IPMI).copy(head, 0);
  head[4] = AUTHTYPE_RMCP_PLUS;
  head[5] = (p.encrypted ? 0x80 : 0) | (p.authenticated ? 0x40 : 0) | (p.payloadType & 0x3f);
  head.writeUInt32LE(p.sessionId >>> 0, 6);
  head.writeUInt32LE(p.sequence >>> 0, 10);
  head.writeUInt16LE(p.payload.length, 14);
  if (!p.authenticated) return Buffer.concat([head, p.payload]);
  if (!sign) throw new IpmiProtocolError('authenticated packet without an integrity key', false);
  const covered = RMCP_PLUS_HEADER - 4 + p.payload.length;
  const padLength = (4 - ((covered + 2) % 4)) % 4;
  const trailer = Buffer.alloc(padLength + 2, 0xff);
  trailer[padLength] = padLength;
  trailer[padLength + 1] = 0x07;
  const unsigned = Buffer.concat([head, p.payload, trailer]);
  return Buffer.concat([unsigned, sign(unsigned.subarray(4))]);
}

/**
 * Parses an RMCP+ packet. When the packet says it is authenticated, `verify`
 * (given the signed range and the AuthCode) must accept it, else undefined.
 */
export function decodeRmcpPlus(
  b: Buffer,
  verify?: (covered: Buffer, authCode: Buffer) => boolean,
  authCodeLength = 0,
): RmcpPlusPacket | undefined {
  if (b.length < RMCP_PLUS_HEADER || b[0] !== RMCP_VERSION || b[3] !== RMCP_CLASS_IPMI) return undefined;
  if (b[4] !== AUTHTYPE_RMCP_PLUS) return undefined;
  const type = b[5];
  const payloadType = type & 0x3f;
  if (payloadType === 0x02) return undefined; // OEM explicit payloads are not used
  const length = b.readUInt16LE(14);
  if (b.length < RMCP_PLUS_HEADER + length) return undefined;
  const authenticated = (type & 0x40) !== 0;
  if (authenticated) {
    if (!verify || b.length < RMCP_PLUS_HEADER + length + 2 + authCodeLength) return undefined;
    const end = b.length - authCodeLength;
    if (b[end - 1] !== 0x07) return undefined;
    if (!verify(b.subarray(4, end), b.subarray(end))) return undefined;
  }
  return {
    payloadType,
    encrypted: (type & 0x80) !== 0,
    authenticated,
    sessionId: b.readUInt32LE(6),
    sequence: b.readUInt32LE(10),
    payload: b.subarray(RMCP_PLUS_HEADER, RMCP_PLUS_HEADER + length),
  };
}
