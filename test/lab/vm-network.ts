// The VM lab's provisioning network: a network namespace, a bridge inside it,
// and a veth pair whose host end holds the control plane's address on a private
// /24. Everything is named and numbered from the lab directory, so two labs on
// one machine don't collide and `down` can find what a crashed `up` left.
//
//   host                                 namespace ifl-<hash>
//   iflXXXXXXh 10.A.B.1/24  ── veth ──   iflXXXXXXn ─┐
//   (TCP relay to the API,                          br0 10.A.B.2/24  dnsmasq (DHCP+TFTP)
//    image server: lab-netd.ts)          tap (vm-i) ─┘  VM vm-i = 10.A.B.(10+i)
//
// No default route in the namespace and no forwarding or NAT: the VMs reach the
// host address and each other, nothing else. Taps are created by QEMU in the
// host namespace (so its serial socket stays on the host's 127.0.0.1) and moved
// into the namespace by the chassis hook (vm-chassis.sh); they vanish with QEMU.
import crypto from 'node:crypto';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';

export interface VmNetwork {
  /** Network namespace name. */
  namespace: string;
  /** Bridge inside the namespace. */
  bridge: string;
  /** Host end of the veth pair (holds hostAddress). */
  hostVeth: string;
  /** Namespace end of the veth pair (a bridge port). */
  nsVeth: string;
  /** e.g. 10.231.17 (the /24's first three octets). */
  prefix: string;
  /** The host's address on the provisioning network: the control plane as VMs see it. */
  hostAddress: string;
  /** The bridge's address: dnsmasq's DHCP server and TFTP next-server. */
  serverAddress: string;
  /** Prefix of the VMs' tap names (iflXXXXXXt<i>). */
  tapPrefix: string;
}

const BRIDGE = 'br0';

function digest(dir: string): Buffer {
  return crypto.createHash('sha256').update(path.resolve(dir)).digest();
}

/** Names and addresses for a lab dir; `bump` moves to the next /24 (if the first is taken). */
export function vmNetworkFor(dir: string, bump = 0): VmNetwork {
  const h = digest(dir);
  const tag = h.subarray(0, 3).toString('hex');
  const a = 200 + (h[3]! % 50);
  const b = (h[4]! + bump) % 256;
  const prefix = `10.${a}.${b}`;
  return {
    namespace: `ifl-${tag}`,
    bridge: BRIDGE,
    hostVeth: `ifl${tag}h`,
    nsVeth: `ifl${tag}n`,
    prefix,
    hostAddress: `${prefix}.1`,
    serverAddress: `${prefix}.2`,
    tapPrefix: `ifl${tag}t`,
  };
}

/** The stable address of VM i (dnsmasq hands out exactly this one to its MAC). */
export function vmAddress(net: VmNetwork, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 200) throw new RangeError(`VM index out of range: ${index}`);
  return `${net.prefix}.${10 + index}`;
}

/** 52:54:00:AA:BB:II: the /24's 2nd and 3rd octets and 10+index (the sim nodes use 52:54:00:ab:…; AA ≥ 0xc8). */
export function vmMac(net: VmNetwork, index: number): string {
  const [, a, b, last] = vmAddress(net, index).split('.').map(Number);
  return ['52', '54', '00', ...[a!, b!, last!].map((n) => n.toString(16).padStart(2, '0'))].join(':');
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

/** Does any route or address of the host already cover (or fall inside) prefix.0/24? */
export function overlaps(prefix: string, cidrs: string[]): boolean {
  const lo = ipToInt(`${prefix}.0`);
  const hi = lo + 255;
  for (const c of cidrs) {
    const m = /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))?$/.exec(c);
    if (!m) continue;
    const bits = Number(m[2] ?? 32);
    if (bits === 0) continue; // the default route covers everything; it is no conflict
    const size = 2 ** (32 - bits);
    const start = Math.floor(ipToInt(m[1]!) / size) * size;
    if (start <= hi && start + size - 1 >= lo) return true;
  }
  return false;
}

async function ip(args: string[]): Promise<string> {
  return (await runCommand({ file: 'ip', args, timeoutMs: 15000 })).stdout;
}

async function hostCidrs(except: VmNetwork): Promise<string[]> {
  const routes = (await ip(['-4', 'route', 'show', 'table', 'all']))
    .split('\n')
    .filter((l) => !l.includes(` dev ${except.hostVeth} `) && !l.endsWith(` dev ${except.hostVeth}`))
    .map((l) => l.split(' ').find((w) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(w)) ?? l.split(' ')[1] ?? '');
  const addrs = (await ip(['-4', '-o', 'addr', 'show']))
    .split('\n')
    .filter((l) => !l.includes(except.hostVeth))
    .map((l) => / inet (\S+) /.exec(l)?.[1] ?? '');
  return [...routes, ...addrs].filter((c) => c !== '');
}

/** Picks the lab's /24: the derived one unless a host route or address covers it. */
export async function chooseVmNetwork(dir: string): Promise<VmNetwork> {
  for (let bump = 0; bump < 256; bump++) {
    const net = vmNetworkFor(dir, bump);
    if (!overlaps(net.prefix, await hostCidrs(net))) return net;
  }
  throw new Error('no free 10.x.y.0/24 for the VM lab: every candidate is routed on this host');
}

export async function namespaceExists(name: string): Promise<boolean> {
  return (await ip(['netns', 'list'])).split('\n').some((l) => l.split(' ')[0] === name);
}

async function linkExists(name: string, ns?: string): Promise<boolean> {
  try {
    await ip([...(ns ? ['-n', ns] : []), 'link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}

/** Creates namespace, bridge and veth (after removing any leftovers of the same names). */
export async function createVmNetwork(net: VmNetwork): Promise<void> {
  await destroyVmNetwork(net);
  await ip(['netns', 'add', net.namespace]);
  const n = ['-n', net.namespace];
  await ip([...n, 'link', 'set', 'lo', 'up']);
  await ip([...n, 'link', 'add', net.bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await ip([...n, 'addr', 'add', `${net.serverAddress}/24`, 'dev', net.bridge]);
  await ip([...n, 'link', 'set', net.bridge, 'up']);
  await ip(['link', 'add', net.hostVeth, 'type', 'veth', 'peer', 'name', net.nsVeth, 'netns', net.namespace]);
  await ip([...n, 'link', 'set', net.nsVeth, 'master', net.bridge, 'up']);
  await ip(['addr', 'add', `${net.hostAddress}/24`, 'dev', net.hostVeth]);
  await ip(['link', 'set', net.hostVeth, 'up']);
}

/** Removes the namespace (its bridge, veth end and taps go with it) and the host veth; fine if absent. */
export async function destroyVmNetwork(net: VmNetwork): Promise<void> {
  if (await namespaceExists(net.namespace)) await ip(['netns', 'delete', net.namespace]);
  // Deleting the namespace takes the veth pair with it, asynchronously: tolerate "Cannot find device".
  if (await linkExists(net.hostVeth)) await ip(['link', 'delete', net.hostVeth]).catch(() => undefined);
  for (let i = 0; i < 50 && (await linkExists(net.hostVeth)); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Taps of this lab still in the host namespace (a QEMU that started but was never moved). */
export async function strayTaps(net: VmNetwork): Promise<string[]> {
  return (await ip(['-o', 'link', 'show']))
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? '')
    .filter((n) => n.startsWith(net.tapPrefix));
}

export interface DnsmasqParams {
  net: VmNetwork;
  /** Ironflow's boot root: TFTP root. */
  bootRoot: string;
  /** Ironflow's dhcp-hostsdir (`<mac>,set:ironflow` while a node provisions). */
  hostsDir: string;
  /** Where dnsmasq keeps its leases and log. */
  stateDir: string;
  vms: { mac: string; ip: string }[];
  /** Boot file names in the boot root. */
  files: { bios: string; uefi: string; ipxeScript: string };
}

/**
 * dnsmasq's arguments (pure). DHCP only (no DNS), answering on the bridge only.
 * Each VM gets its fixed address from a one-address range selected by a
 * `dhcp-mac` tag, not from a `dhcp-host` line: dnsmasq applies only one
 * dhcp-host line per MAC, and Ironflow's `<mac>,set:ironflow` in the hostsdir
 * would win over a lab line with the address (the VM then got a pool address).
 * Boot files only for `tag:ironflow`: pxelinux.0 for BIOS, iPXE EFI for UEFI
 * (client arch 7/9), then the chain script once iPXE (user class iPXE) asks.
 */
export function dnsmasqArgs(p: DnsmasqParams): string[] {
  const args = [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--port=0',
    `--interface=${p.net.bridge}`,
    '--bind-interfaces',
    // The boot root and hostsdir may sit in 0700 directories (test stacks' temp dirs).
    '--user=root',
    '--group=root',
    `--pid-file=${path.join(p.stateDir, 'dnsmasq.pid')}`,
    `--log-facility=${path.join(p.stateDir, 'dnsmasq.log')}`,
    '--log-dhcp',
    `--dhcp-leasefile=${path.join(p.stateDir, 'dnsmasq.leases')}`,
    '--dhcp-authoritative',
    // One client, one address: iPXE, the ramdisk's udhcpc and OVMF send different client ids.
    '--dhcp-ignore-clid',
    '--no-ping',
    // No router and no DNS server: nothing beyond this /24.
    '--dhcp-option=option:router',
    '--dhcp-option=option:dns-server',
    `--dhcp-hostsdir=${p.hostsDir}`,
    '--enable-tftp',
    `--tftp-root=${p.bootRoot}`,
    '--dhcp-match=set:efi64,option:client-arch,7',
    '--dhcp-match=set:efi64,option:client-arch,9',
    '--dhcp-userclass=set:ipxe,iPXE',
    `--dhcp-boot=tag:ironflow,tag:!efi64,${p.files.bios}`,
    `--dhcp-boot=tag:ironflow,tag:efi64,tag:!ipxe,${p.files.uefi}`,
    `--dhcp-boot=tag:ironflow,tag:efi64,tag:ipxe,${p.files.ipxeScript}`,
  ];
  p.vms.forEach((vm, i) => {
    args.push(`--dhcp-mac=set:vm${i},${vm.mac}`, `--dhcp-range=tag:vm${i},${vm.ip},${vm.ip},255.255.255.0,1h`);
  });
  return args;
}
