// The hardware types Ironflow supports, their interfaces and driver_info rules.
// Pure data and validation, shared by the API (validate, create) and the worker.
// The image-reference rules moved to workflows/domain; so does this file (seams-drivers), and then
// this import becomes './image-refs'. Until then contracts reach into domain here, and only here.
// eslint-disable-next-line @typescript-eslint/no-restricted-imports
import { bootFileProblem } from '../domain/image-refs';

export const INTERFACE_TYPES = [
  'bios', 'boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid', 'rescue', 'storage', 'vendor',
] as const;
export type InterfaceType = (typeof INTERFACE_TYPES)[number];

export interface HardwareType {
  name: string;
  defaults: Record<InterfaceType, string>;
  enabled: Record<InterfaceType, readonly string[]>;
  properties: Record<string, string>;
}

const IPMI_PROPERTIES: Record<string, string> = {
  ipmi_address: 'IP address or hostname of the node\'s BMC. Required.',
  ipmi_port: 'UDP port of the BMC\'s RMCP+ service. Optional, default 623.',
  ipmi_username: 'BMC user name. Optional (anonymous login if missing).',
  ipmi_password: 'BMC password. Optional. Stored encrypted, never shown.',
  ipmi_cipher_suite: 'IPMI v2.0 cipher suite: 3 (SHA1, AES-128) or 17 (SHA256, AES-128). Optional, default 3.',
  deploy_kernel: 'Deploy ramdisk kernel: file:// URL or absolute path of a file in the image directory or beside the default deploy kernel. Optional; defaults from config.',
  deploy_ramdisk: 'Deploy ramdisk initramfs: file:// URL or absolute path of a file in the image directory or beside the default deploy ramdisk. Optional; defaults from config.',
};

export const HARDWARE_TYPES: readonly HardwareType[] = [
  {
    name: 'ipmi',
    defaults: {
      bios: 'no-bios', boot: 'pxe', console: 'no-console', deploy: 'iscsi', inspect: 'no-inspect',
      management: 'ipmi', network: 'noop', power: 'ipmi', raid: 'no-raid', rescue: 'no-rescue', storage: 'noop',
      vendor: 'no-vendor',
    },
    enabled: {
      bios: ['no-bios'], boot: ['pxe', 'ipxe'], console: ['no-console'], deploy: ['iscsi', 'direct'],
      inspect: ['no-inspect'], management: ['ipmi', 'ipmitool'], network: ['noop'], power: ['ipmi', 'ipmitool'],
      raid: ['no-raid'], rescue: ['no-rescue'], storage: ['noop'], vendor: ['no-vendor'],
    },
    properties: IPMI_PROPERTIES,
  },
];

export function findHardwareType(name: string): HardwareType | undefined {
  return HARDWARE_TYPES.find((h) => h.name === name);
}

export interface DriverInfoProblem {
  missing: string[];
  invalid: string[];
}

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;

function intLike(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Checks the IPMI keys of driver_info; returns human-readable reasons (empty when valid).
 * With `allowMissing`, only malformed values count (a node may be enrolled before its BMC is known).
 */
export function checkIpmiDriverInfo(info: Record<string, unknown>, opts: { allowMissing?: boolean } = {}): string[] {
  const reasons: string[] = [];
  const address = info.ipmi_address;
  if (address === undefined || address === null || address === '') {
    if (!opts.allowMissing) reasons.push("Missing the following IPMI credentials in node's driver_info: ['ipmi_address'].");
  } else if (typeof address !== 'string' || !(HOST_RE.test(address) || (address.includes(':') && IPV6_RE.test(address)))) {
    reasons.push(`Invalid ipmi_address ${JSON.stringify(address)}: expected an IP address or host name.`);
  }
  if (info.ipmi_port !== undefined) {
    const p = intLike(info.ipmi_port);
    if (p === undefined || p < 1 || p > 65535) reasons.push(`Invalid ipmi_port ${JSON.stringify(info.ipmi_port)}: expected an integer 1-65535.`);
  }
  if (info.ipmi_cipher_suite !== undefined) {
    const c = intLike(info.ipmi_cipher_suite);
    if (c !== 3 && c !== 17) reasons.push(`Invalid ipmi_cipher_suite ${JSON.stringify(info.ipmi_cipher_suite)}: supported suites are 3 and 17.`);
  }
  for (const k of ['ipmi_username', 'ipmi_password'] as const) {
    const v = info[k];
    if (v !== undefined && typeof v !== 'string') reasons.push(`Invalid ${k}: expected a string.`);
    else if (typeof v === 'string' && v.length > 20) reasons.push(`Invalid ${k}: IPMI allows at most 20 characters.`);
  }
  // These name files the worker copies into the TFTP root: local files only, no climbing out.
  for (const k of ['deploy_kernel', 'deploy_ramdisk'] as const) {
    const problem = info[k] === undefined || info[k] === null || info[k] === '' ? undefined : bootFileProblem(`Invalid driver_info.${k}`, info[k]);
    if (problem) reasons.push(problem);
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
