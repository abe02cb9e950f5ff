// Redfish power and management: the driver_info keys as Ironic names them, how they
// are checked, and what the worker's Redfish client reads from them. The
// redfish-virtual-media boot interface reads the deploy ramdisk keys as pxe does.
import type { DriverInfoOptions, DriverInterface, InterfaceType } from './interface';

export const REDFISH_PROPERTIES: Readonly<Record<string, string>> = {
  redfish_address: "The URL of the node's Redfish service (https://host[:port]), or a host name or address (https assumed). Required.",
  redfish_system_id: 'The System resource of the node: its path (/redfish/v1/Systems/1) or id. Optional when the service has one system.',
  redfish_username: 'User name for the Redfish service. Required.',
  redfish_password: 'Password for the Redfish service. Required. Stored encrypted, never shown.',
  redfish_verify_ca:
    'true (default: verify the TLS certificate with the system CAs), false (do not verify), or the absolute path of a CA bundle file to verify with.',
  redfish_auth_type: 'auto (default: a session, else Basic), session or basic.',
};

const AUTH_TYPES = ['auto', 'session', 'basic'] as const;
export type RedfishAuthType = (typeof AUTH_TYPES)[number];

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*(?::\d{1,5})?$/;
const IPV6_RE = /^\[?[0-9A-Fa-f:.]+\]?(?::\d{1,5})?$/;

/** The base URL of the service from redfish_address: a URL's origin, or https:// and a bare host (host:port, IPv4, IPv6). */
export function redfishBaseUrl(address: string): string | undefined {
  let s = address.trim();
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(s)) {
    if (!(HOST_RE.test(s) || IPV6_RE.test(s))) return undefined;
    if (s.split(':').length > 2 && !s.startsWith('[')) s = `[${s}]`;
    s = `https://${s}`;
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return undefined;
  return u.origin;
}

function verifyCa(v: unknown): boolean | string | undefined {
  if (v === undefined || v === null || v === '') return true;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const l = v.toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(l)) return true;
    if (['false', 'no', 'off', '0'].includes(l)) return false;
    if (v.startsWith('/')) return v;
  }
  return undefined;
}

/** Checks the Redfish keys of driver_info; returns human-readable reasons (empty when valid). */
export function checkRedfishDriverInfo(info: Record<string, unknown>, opts: DriverInfoOptions = {}): string[] {
  const reasons: string[] = [];
  const missing = ['redfish_address', 'redfish_username', 'redfish_password'].filter(
    (k) => info[k] === undefined || info[k] === null || info[k] === '',
  );
  if (missing.length && !opts.allowMissing)
    reasons.push(`Missing the following Redfish properties in node's driver_info: ${JSON.stringify(missing).replace(/"/g, "'")}.`);
  const address = info.redfish_address;
  if (address !== undefined && address !== null && address !== '' && (typeof address !== 'string' || !redfishBaseUrl(address)))
    reasons.push(`Invalid redfish_address ${JSON.stringify(address)}: expected an http(s) URL or a host name or IP address.`);
  for (const k of ['redfish_system_id', 'redfish_username', 'redfish_password'] as const) {
    if (info[k] !== undefined && info[k] !== null && typeof info[k] !== 'string') reasons.push(`Invalid ${k}: expected a string.`);
  }
  if (verifyCa(info.redfish_verify_ca) === undefined)
    reasons.push(
      `Invalid redfish_verify_ca ${JSON.stringify(info.redfish_verify_ca)}: expected true, false or the absolute path of a CA file.`,
    );
  const auth = info.redfish_auth_type;
  if (auth !== undefined && auth !== null && auth !== '' && !(AUTH_TYPES as readonly unknown[]).includes(auth))
    reasons.push(`Invalid redfish_auth_type ${JSON.stringify(auth)}: expected one of ${AUTH_TYPES.join(', ')}.`);
  return reasons;
}

/** What the Redfish client needs from driver_info, the password aside (after checkRedfishDriverInfo found no problem). */
export interface RedfishCoordinates {
  baseUrl: string;
  systemId?: string;
  username: string;
  verifyCa: boolean | string;
  authType: RedfishAuthType;
}

export function redfishCoordinates(info: Record<string, unknown>): RedfishCoordinates {
  const sys = info.redfish_system_id;
  const auth = info.redfish_auth_type;
  return {
    baseUrl: redfishBaseUrl(String(info.redfish_address)) ?? String(info.redfish_address),
    ...(typeof sys === 'string' && sys !== '' ? { systemId: sys } : {}),
    username: typeof info.redfish_username === 'string' ? info.redfish_username : '',
    verifyCa: verifyCa(info.redfish_verify_ca) ?? true,
    authType: (AUTH_TYPES as readonly unknown[]).includes(auth) ? (auth as RedfishAuthType) : 'auto',
  };
}

function redfishInterface(type: InterfaceType, name: string): DriverInterface {
  return { type, name, properties: REDFISH_PROPERTIES, driverInfoProblems: checkRedfishDriverInfo };
}

export const REDFISH_POWER = redfishInterface('power', 'redfish');
export const REDFISH_MANAGEMENT = redfishInterface('management', 'redfish');

/** Boot from an ISO the BMC mounts as a virtual CD: no DHCP/PXE needed (virtual-media.ts). */
export { REDFISH_VIRTUAL_MEDIA_BOOT } from './virtual-media';
