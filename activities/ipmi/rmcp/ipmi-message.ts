// The IPMI LAN message inside a session payload (IPMI v2.0 section 13.8):
// request  rsAddr | netFn/rsLUN | chk1 | rqAddr | rqSeq/rqLUN | cmd | data | chk2
// response rqAddr | netFn/rqLUN | chk1 | rsAddr | rqSeq/rsLUN | cmd | cc | data | chk2
export const BMC_ADDRESS = 0x20;
export const REMOTE_CONSOLE_ADDRESS = 0x81;

/** Two's complement checksum: the bytes plus the checksum sum to 0 mod 256. */
export function checksum(bytes: Buffer): number {
  let sum = 0;
  for (const x of bytes) sum = (sum + x) & 0xff;
  return (0x100 - sum) & 0xff;
}

export interface IpmiRequest {
  netFn: number;
  cmd: number;
  /** 6-bit requester sequence number; a retransmission keeps it. */
  rqSeq: number;
  data: Buffer;
}

export function encodeRequest(r: IpmiRequest): Buffer {
  const b = Buffer.alloc(7 + r.data.length);
  b[0] = BMC_ADDRESS;
  b[1] = (r.netFn << 2) & 0xfc;
  b[2] = checksum(b.subarray(0, 2));
  b[3] = REMOTE_CONSOLE_ADDRESS;
  b[4] = (r.rqSeq << 2) & 0xfc;
  b[5] = r.cmd;
  r.data.copy(b, 6);
  b[b.length - 1] = checksum(b.subarray(3, b.length - 1));
  return b;
}

export interface IpmiResponse {
  netFn: number;
  cmd: number;
  rqSeq: number;
  completionCode: number;
  data: Buffer;
}

/** Decodes a response; undefined when it is too short or a checksum fails. */
export function decodeResponse(b: Buffer): IpmiResponse | undefined {
  if (b.length < 8) return undefined;
  if (checksum(b.subarray(0, 2)) !== b[2]) return undefined;
  if (checksum(b.subarray(3, b.length - 1)) !== b[b.length - 1]) return undefined;
  return {
    netFn: b[1] >> 2,
    cmd: b[5],
    rqSeq: b[4] >> 2,
    completionCode: b[6],
    data: b.subarray(7, b.length - 1),
  };
}
