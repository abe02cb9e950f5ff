// Where images may be fetched from. An image URL is user input: left alone it
// lets anyone who can deploy make the worker fetch from its own loopback, the
// private network or a cloud metadata service (169.254.169.254) and cache the
// answer as an "image". So addresses that are not public unicast are refused
// unless the operator lists their network in IRONFLOW_IMAGE_ALLOWED_NETWORKS.
// Pure: the API checks literal hosts with it, the worker every resolved address.

export const IMAGE_NETWORKS_SETTING = 'IRONFLOW_IMAGE_ALLOWED_NETWORKS';
/** Loopback only: the README's demo serves images from 127.0.0.1. Set the variable to '' to refuse it too. */
export const DEFAULT_IMAGE_ALLOWED_NETWORKS = '127.0.0.0/8,::1/128';

export interface IpAddress {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
}

export interface Cidr {
  text: string;
  net: IpAddress;
  prefix: number;
}

export function parseIpv4(s: string): IpAddress | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? { version: 4, bytes } : undefined;
}

export function parseIpv6(text: string): IpAddress | undefined {
  const s = text.replace(/%[A-Za-z0-9_.-]+$/, ''); // a zone id (fe80::1%eth0) does not change the class
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || s.split('::').length > 2) return undefined;
  const words: number[] = [];
  const parseSide = (side: string, isLast: boolean): number[] | undefined => {
    if (side === '') return [];
    const out: number[] = [];
    const parts = side.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (isLast && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4.bytes[0] << 8) | v4.bytes[1], (v4.bytes[2] << 8) | v4.bytes[3]);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const halves = s.split('::');
  if (halves.length === 2) {
    const head = parseSide(halves[0], false);
    const tail = parseSide(halves[1], true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    words.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return undefined;
    words.push(...all);
  }
  return { version: 6, bytes: words.flatMap((w) => [w >> 8, w & 0xff]) };
}

/** An IPv4 or IPv6 address (IPv6 with or without brackets), or undefined for anything else (host names). */
export function parseIp(s: string): IpAddress | undefined {
  const t = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  return parseIpv4(t) ?? (t.includes(':') ? parseIpv6(t) : undefined);
}

function inPrefix(a: number[], net: number[], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit++) {
    const mask = 0x80 >> (bit % 8);
    if ((a[bit >> 3] & mask) !== (net[bit >> 3] & mask)) return false;
  }
  return true;
}

const V6 = (s: string, prefix: number) => ({ net: parseIpv6(s)!.bytes, prefix });

/**
 * The IPv4 address an IPv6 address stands for, if it embeds one: IPv4-mapped
 * (::ffff:a.b.c.d), the deprecated IPv4-compatible form (::a.b.c.d) and the
 * NAT64 well-known prefix (64:ff9b::a.b.c.d). Traffic to these ends at the IPv4 address.
 */
export function embeddedIpv4(a: IpAddress): IpAddress | undefined {
  if (a.version !== 6) return undefined;
  const b = a.bytes;
  const tail = { version: 4 as const, bytes: b.slice(12) };
  if (inPrefix(b, V6('::ffff:0:0', 96).net, 96)) return tail;
  if (inPrefix(b, V6('64:ff9b::', 96).net, 96)) return tail;
  // ::a.b.c.d, but not :: and ::1 themselves (they are IPv6's own unspecified and loopback).
  if (inPrefix(b, V6('::', 96).net, 96) && (b[12] | b[13] | b[14]) !== 0) return tail;
  return undefined;
}

/** Ranges that are not public unicast, described as "a … address". The first match names the class. */
const V4_CLASSES: [string, number, string][] = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address (RFC 1918)'],
  ['100.64.0.0', 10, 'a shared address (carrier-grade NAT, RFC 6598)'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (where cloud metadata services answer)'],
  ['172.16.0.0', 12, 'a private address (RFC 1918)'],
  ['192.0.0.0', 24, 'a reserved address (IETF protocol assignments)'],
  ['192.168.0.0', 16, 'a private address (RFC 1918)'],
  ['198.18.0.0', 15, 'a reserved address (benchmarking)'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address (including broadcast)'],
];
const V6_CLASSES: [string, number, string][] = [
  ['::', 128, 'an unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['100::', 64, 'a reserved address (discard)'],
  ['fc00::', 7, 'a private address (unique local, fc00::/7)'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a private address (site-local)'],
  ['ff00::', 8, 'a multicast address'],
];

/** What kind of non-public address this is ("a loopback address"), or undefined for a public unicast address. */
export function addressClass(a: IpAddress): string | undefined {
  const v4 = a.version === 4 ? a : embeddedIpv4(a);
  if (v4) {
    const what = V4_CLASSES.find(([net, p]) => inPrefix(v4.bytes, parseIpv4(net)!.bytes, p))?.[2];
    return what && a.version === 6 ? `${what}, written as an IPv4-mapped IPv6 address` : what;
  }
  return V6_CLASSES.find(([net, p]) => inPrefix(a.bytes, parseIpv6(net)!.bytes, p))?.[2];
}

/** Parses "127.0.0.0/8,10.1.0.0/16,fd00::/8" (a bare address is one host). Throws with a message naming the bad entry. */
export function parseCidrList(text: string): Cidr[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [addr, bits, extra] = entry.split('/');
      const net = parseIp(addr);
      const max = net?.version === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (!net || extra !== undefined || !(prefix >= 0 && prefix <= max)) {
        throw new Error(
          `${IMAGE_NETWORKS_SETTING}: "${entry}" is not a network: write address/prefix, e.g. 10.1.0.0/16 or fd00::/8, comma-separated.`,
        );
      }
      return { text: entry, net, prefix };
    });
}

export function cidrContains(c: Cidr, a: IpAddress): boolean {
  // An IPv4 network also covers the IPv4-mapped forms of its addresses.
  const probe = c.net.version === a.version ? a : c.net.version === 4 ? embeddedIpv4(a) : undefined;
  return !!probe && inPrefix(probe.bytes, c.net.bytes, c.prefix);
}

/**
 * Why images may not come from this address, or undefined when they may:
 * public unicast addresses always may; others only inside an allowed network.
 */
export function imageAddressRefusal(address: string, allowed: readonly Cidr[]): string | undefined {
  const a = parseIp(address);
  if (!a) return `${address} is not an IP address`;
  const what = addressClass(a);
  if (!what || allowed.some((c) => cidrContains(c, a))) return undefined;
  return `${address} is ${what}`;
}

/** The advice that ends every refusal: which setting to change, with the host's own network as the example. */
export function allowAdvice(address: string): string {
  const a = parseIp(address);
  const v4 = a && (a.version === 4 ? a : embeddedIpv4(a));
  const example = v4 ? `${v4.bytes.join('.')}/32` : `${address.replace(/^\[|\]$/g, '')}/128`;
  return `images are not fetched from loopback, private, link-local, unspecified or reserved addresses unless ${IMAGE_NETWORKS_SETTING} lists the network (e.g. ${IMAGE_NETWORKS_SETTING}=${example})`;
}
