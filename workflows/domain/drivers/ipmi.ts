// IPMI power and management: the driver_info keys both read and how they are checked.
// `ipmi` is Ironflow's native RMCP+ client, `ipmitool` one ipmitool process per call;
// both read the same keys.
import type { DriverInfoOptions, DriverInterface, InterfaceType } from './interface';

export const IPMI_PROPERTIES: Readonly<Record<string, string>> = {
  ipmi_address: "IP address or hostname of the node's BMC. Required.",
  ipmi_port: "UDP port of the BMC's RMCP+ service. Optional, default 623.",
  ipmi_username: 'BMC user name. Optional (anonymous login if missing).',
  ipmi_password: 'BMC password. Optional. Stored encrypted, never shown.',
  ipmi_cipher_suite: 'IPMI v2.0 cipher suite: 3 (SHA1, AES-128) or 17 (SHA256, AES-128). Optional, default 3.',
};

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;

function intLike(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Checks the IPMI keys of driver_info; returns human-readable reasons (empty when valid). */
export function checkIpmiDriverInfo(info: Record<string, unknown>, opts: DriverInfoOptions = {}): string[] {
  const reasons: string[] = [];
  const address = info.ipmi_address;
  if (address === undefined || address === null || address === '') {
    if (!opts.allowMissing) reasons.push("Missing the following IPMI credentials in node's driver_info: ['ipmi_address'].");
  } else if (typeof address !== 'string' || !(HOST_RE.test(address) || (address.includes(':') && IPV6_RE.test(address)))) {
    reasons.push(`Invalid ipmi_address ${JSON.stringify(address)}: expected an IP address or host name.`);
  }
  if (info.ipmi_port !== undefined) {
    const p = intLike(info.ipmi_port);
    if (p === undefined || p < 1 || p > 65535)
      reasons.push(`Invalid ipmi_port ${JSON.stringify(info.ipmi_port)}: expected an integer 1-65535.`);
  }
  if (info.ipmi_cipher_suite !== undefined) {
    const c = intLike(info.ipmi_cipher_suite);
    if (c !== 3 && c !== 17)
      reasons.push(`Invalid ipmi_cipher_suite ${JSON.stringify(info.ipmi_cipher_suite)}: supported suites are 3 and 17.`);
  }
  for (const k of ['ipmi_username', 'ipmi_password'] as const) {
    const v = info[k];
    if (v !== undefined && typeof v !== 'string') reasons.push(`Invalid ${k}: expected a string.`);
    else if (typeof v === 'string' && v.length > 20) reasons.push(`Invalid ${k}: IPMI allows at most 20 characters.`);
  }
  return reasons;
}

/** Parsed BMC coordinates from driver_info (after checkIpmiDriverInfo found no problem). */
export interface IpmiCoordinates {
  address: string;
  port: number;
  username: string;
  cipherSuite: 3 | 17;
}

export function ipmiCoordinates(info: Record<string, unknown>): IpmiCoordinates {
  return {
    address: String(info.ipmi_address),
    port: intLike(info.ipmi_port) ?? 623,
    username: typeof info.ipmi_username === 'string' ? info.ipmi_username : '',
    cipherSuite: intLike(info.ipmi_cipher_suite) === 17 ? 17 : 3,
  };
}

function ipmiInterface(type: InterfaceType, name: string): DriverInterface {
  return { type, name, properties: IPMI_PROPERTIES, driverInfoProblems: checkIpmiDriverInfo };
}

export const IPMI_POWER = ipmiInterface('power', 'ipmi');
export const IPMITOOL_POWER = ipmiInterface('power', 'ipmitool');
export const IPMI_MANAGEMENT = ipmiInterface('management', 'ipmi');
export const IPMITOOL_MANAGEMENT = ipmiInterface('management', 'ipmitool');
