// The VM lab: N QEMU VMs on a real provisioning network (vm-network.ts), each
// behind its own ipmi_sim BMC whose chassis hook (vm-chassis.sh) starts, stops
// and resets the QEMU process. dnsmasq in the namespace serves DHCP and TFTP
// from Ironflow's boot root and reads Ironflow's dhcp-hostsdir; lab-netd relays
// the control plane's loopback ports to the host's address on that network.
//
//   <dir>/net/                       dnsmasq.{log,leases,pid,argv.json}, lab-netd.log
//   <dir>/vm-<i>/disk.img            sparse raw disk (default 2 GiB)
//   <dir>/vm-<i>/disk-<k>.img        extra disks (extraDiskSizes), k from 1
//   <dir>/vm-<i>/vm.env              what vm-chassis.sh needs (no secret)
//   <dir>/vm-<i>/boot                boot device as the BMC set it (pxe|default|…)
//   <dir>/vm-<i>/qemu.pid, qemu.log  the running VM (power on = alive)
//   <dir>/vm-<i>/console.log         serial console (QEMU chardev logfile)
//   <dir>/vm-<i>/power.log           every power on with its boot order
//   <dir>/vm-<i>/bmc-requests.log    every chassis `set` the BMC passed on (power, boot, reset)
//   <dir>/vm-<i>/OVMF_VARS.fd        UEFI only: the VM's own NVRAM
//   <dir>/vm-<i>/qmp.sock, vmedia-cd.iso  virtualMedia only: QEMU's monitor, the inserted CD
//   <dir>/vm-<i>/bmc/                lan.conf (0600), ipmi_sim state and log, password
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { BOOT_ROOT_FILES, prepareBootRoot } from '#activities/deploy/boot-root';
import { freeTcpPort, freeUdpPort, waitFor } from '../support/procs';
import { renderLanConf } from './bmc-config';
import { isAlive, runsExe, spawnDetached, stopDetached, type DetachedProcess } from './detached-process';
import { bmcAnswers, type LabBmc } from './lab';
import { ipmitool } from './ipmitool';
import {
  chooseVmNetwork,
  createVmNetwork,
  destroyVmNetwork,
  dnsmasqArgs,
  strayTaps,
  vmAddress,
  vmMac,
  vmNetworkFor,
  type VmNetwork,
} from './vm-network';
import { runCommand } from '#activities/shared/command-runner';

export type Firmware = 'bios' | 'uefi';

export interface VmLabOptions {
  vms: number;
  /** The lab directory (e.g. <repo>/.data/lab): VMs live in <dir>/vm-<i>. */
  dir: string;
  firmware?: Firmware;
  /** Ironflow's boot root (IRONFLOW_BOOT_ROOT): dnsmasq's TFTP root. */
  bootRoot: string;
  /** Ironflow's dhcp-hostsdir (IRONFLOW_DHCP_HOSTS_DIR). */
  dhcpHostsDir: string;
  /** Loopback TCP ports the VMs reach on the host's lab address (API, image server). */
  forwardPorts: number[];
  /** Disk size in bytes (default 2 GiB). */
  diskSize?: number;
  memoryMib?: number;
  /** vCPUs per VM (QEMU -smp; default 1). */
  cpus?: number;
  /** Sizes in bytes of further sparse raw disks per VM (<dir>/vm-<i>/disk-<k>.img, virtio-blk, serial extra<k>, k from 1). */
  extraDiskSizes?: number[];
  /** BMC password for every VM (default "password"), or 'per-node'. */
  password?: string;
  /**
   * Give each VM a system interface (KCS, QEMU's ipmi-bmc-extern) to its own ipmi_sim, whose LAN
   * address is then set to the BMC's (bmc.address): `ipmitool lan print` in the guest answers it,
   * as on a server (default off).
   */
  ipmiSystemInterface?: boolean;
  /**
   * Give each VM a virtual CD for a Redfish BMC (redfish-bmc/qemu-backend.ts): an empty ide-cd drive
   * and a QMP socket (<dir>/vm-<i>/qmp.sock) it changes the medium through (default off).
   */
  virtualMedia?: boolean;
  /**
   * redfish: one HTTPS Redfish BMC emulator for the lab (redfish-bmc/, QEMU backend; CA and password
   * in <dir>/redfish/) with a System per VM, and virtual CDs (virtualMedia). The ipmi_sim BMCs stay.
   */
  bmc?: 'ipmi' | 'redfish';
}

/** The lab's Redfish BMC as a node uses it (never the password: it is in passwordFile). */
export interface VmRedfishBmc {
  /** https://127.0.0.1:<port> */
  address: string;
  /** /redfish/v1/Systems/vm-<i> */
  systemId: string;
  username: string;
  passwordFile: string;
  /** The lab CA's certificate (driver_info.redfish_verify_ca). */
  caFile: string;
}

export interface VmLabNode {
  name: string;
  index: number;
  kind: 'vm';
  firmware: Firmware;
  mac: string;
  /** The address dnsmasq gives this VM (also what its ramdisk and OS get). */
  ip: string;
  bmc: LabBmc;
  diskPath: string;
  /** The extra disks (extraDiskSizes), in order. */
  extraDiskPaths: string[];
  nodeDir: string;
  consolePath: string;
  /** QEMU serial chardev: a TCP server on 127.0.0.1 (also the BMC's SOL target). */
  serialPort: number;
  power(): 'on' | 'off';
  consoleLog(): string;
  /** Every power on so far ("… boot order: network, disk"). */
  powerLog(): string;
}

export interface VmLabNodeState {
  name: string;
  kind: 'vm';
  firmware: Firmware;
  mac: string;
  ip: string;
  bmc: { address: string; port: number; username: string; passwordFile: string };
  diskPath: string;
  nodeDir: string;
  console: string;
  serialPort: number;
  redfish?: VmRedfishBmc;
}

export interface VmLabState {
  network: VmNetwork;
  accel: 'kvm' | 'tcg';
  /** Why that accelerator (probe result or IRONFLOW_LAB_ACCEL). */
  accelWhy: string;
  firmware: Firmware;
  /** Boot files the lab put into the boot root because Ironflow had not (relative names). */
  placedBootFiles: string[];
  processes: { role: string; pid: number; exe: string }[];
  nodes: VmLabNodeState[];
}

export interface VmLab {
  dir: string;
  net: VmNetwork;
  accel: 'kvm' | 'tcg';
  nodes: VmLabNode[];
  state(): VmLabState;
  stop(): Promise<void>;
}

const GiB = 1024 ** 3;
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
export const BOOT_FILES = { bios: 'pxelinux.0', uefi: 'ipxe.efi', ipxeScript: 'boot.ipxe' } as const;

/** The boot root over HTTP on the lab's host address (the address is the lab's own: no other listener). */
export const LAB_HTTP_BOOT_PORT = 8080;

/** The settings a worker needs for VMs of the lab in `dir` to reach it (see README "VM lab"). */
export function vmLabWorkerEnv(
  dir: string,
  apiPort: number,
  imagePort: number,
  host = vmNetworkFor(dir).hostAddress,
): Record<string, string> {
  return {
    IRONFLOW_CALLBACK_URL: `http://${host}:${apiPort}`,
    IRONFLOW_IMAGE_SERVER_URL: `http://${host}:${imagePort}`,
    IRONFLOW_HTTP_BOOT_URL: `http://${host}:${LAB_HTTP_BOOT_PORT}/`,
    // The evidence of a silent boot (DHCP, TFTP) in last_error.
    IRONFLOW_DNSMASQ_LOG: path.join(path.resolve(dir), 'net', 'dnsmasq.log'),
  };
}

/**
 * Adds a sparse raw disk to a VM (virtio-blk, serial extra<k>); it appears at the VM's next power on
 * (vm-chassis.sh reads vm.env then), as a disk added to a powered-off server would. Returns its path.
 */
export function addVmDisk(nodeDir: string, sizeBytes: number): string {
  const envFile = path.join(nodeDir, 'vm.env');
  const env = fs.readFileSync(envFile, 'utf8');
  const current = [...env.matchAll(/^VM_EXTRA_DISKS='([^']*)'$/gm)].pop()?.[1] ?? '';
  const disks = current.split(' ').filter(Boolean);
  const p = path.join(nodeDir, `disk-${disks.length + 1}.img`);
  fs.closeSync(fs.openSync(p, 'w'));
  fs.truncateSync(p, sizeBytes);
  fs.appendFileSync(envFile, `VM_EXTRA_DISKS='${[...disks, p].join(' ')}'\n`);
  return p;
}

export function vmName(index: number): string {
  return `vm-${index}`;
}

/**
 * KVM if /dev/kvm opens and really runs a PXE ROM, else TCG. The probe matters:
 * on some nested hosts /dev/kvm opens but iPXE's real-mode code dies after
 * ~20 s with "KVM internal error … emulation failure" (the VM then hangs,
 * powered on). The probe takes up to 30 s, so its result is kept for the
 * machine's boot (in the temp dir, keyed by boot_id). IRONFLOW_LAB_ACCEL=kvm|tcg
 * skips it.
 */
export async function chooseAccel(env: NodeJS.ProcessEnv = process.env): Promise<{ accel: 'kvm' | 'tcg'; why: string }> {
  const forced = env.IRONFLOW_LAB_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, why: 'IRONFLOW_LAB_ACCEL' };
  try {
    fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
  } catch (e) {
    return { accel: 'tcg', why: `/dev/kvm: ${(e as Error).message}` };
  }
  const bootId = readText('/proc/sys/kernel/random/boot_id').trim() || 'unknown';
  const cache = path.join(os.tmpdir(), `ironflow-kvm-probe-${bootId}.json`);
  try {
    return JSON.parse(fs.readFileSync(cache, 'utf8')) as { accel: 'kvm' | 'tcg'; why: string };
  } catch {
    /* not probed yet */
  }
  const r = await runCommand({
    file: 'timeout',
    args: [
      '30',
      'qemu-system-x86_64',
      ...['-machine', 'pc', '-accel', 'kvm', '-m', '1024', '-nodefaults', '-vga', 'none', '-display', 'none', '-monitor', 'none'],
      ...['-serial', 'none', '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-pci,netdev=n0,bootindex=1'],
    ],
    timeoutMs: 45000,
  }).catch((e: { stderr?: string; message: string }) => ({ stdout: '', stderr: e.stderr ?? e.message }));
  const result: { accel: 'kvm' | 'tcg'; why: string } = /KVM internal error|emulation failure|failed to initialize kvm/i.test(r.stderr)
    ? { accel: 'tcg', why: 'KVM could not run the PXE ROM here (emulation failure)' }
    : { accel: 'kvm', why: '/dev/kvm works' };
  fs.writeFileSync(cache, JSON.stringify(result));
  return result;
}

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** Copies what UEFI/iPXE clients need into the boot root if Ironflow did not put it there; returns what it placed. */
/**
 * Places the boot files (activities/deploy/boot-root.ts) when the boot root lacks any, with boot.ipxe
 * chaining over the lab's HTTP server; returns what it placed. A root a worker prepared is left alone
 * (the worker's boot.ipxe follows the worker's settings).
 */
export function prepareVmBootRoot(bootRoot: string, httpBootUrl: string): string[] {
  const wanted = [...BOOT_ROOT_FILES.map(([, name]) => name), BOOT_FILES.ipxeScript];
  const had = new Set(wanted.filter((n) => fs.existsSync(path.join(bootRoot, n))));
  if (had.size === wanted.length) return [];
  const missing = prepareBootRoot(bootRoot, BOOT_ROOT_FILES, httpBootUrl);
  if (missing.length) throw new Error(`the boot root needs ${missing.join(', ')} (scripts/setup.sh installs them)`);
  return wanted.filter((n) => !had.has(n));
}

function readText(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}

/** Kills a VM's QEMU by the PID it wrote (a power cut); fine if it is not running. */
export function powerCutVm(nodeDir: string): void {
  const pidFile = path.join(nodeDir, 'qemu.pid');
  const pid = Number(readText(pidFile).trim());
  if (Number.isInteger(pid) && pid > 1 && isAlive(pid) && runsExe(pid, 'qemu-system-x86_64')) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  fs.rmSync(pidFile, { force: true });
}

function vmPower(nodeDir: string): 'on' | 'off' {
  const pid = Number(readText(path.join(nodeDir, 'qemu.pid')).trim());
  return Number.isInteger(pid) && pid > 1 && isAlive(pid) && runsExe(pid, 'qemu-system-x86_64') ? 'on' : 'off';
}

/** Stops what a VM lab state names: VMs, BMCs, dnsmasq, lab-netd (by PID), then the namespace, veth and stray taps. */
export async function stopVmLab(st: Pick<VmLabState, 'network' | 'processes' | 'nodes'>): Promise<void> {
  for (const n of st.nodes) powerCutVm(n.nodeDir);
  for (const n of st.nodes) {
    const pid = Number(readText(path.join(n.nodeDir, 'qemu.pid')).trim());
    if (pid > 1) await waitFor(async () => !isAlive(pid), 10000, `QEMU of ${n.name} to exit`).catch(() => undefined);
  }
  await Promise.all(st.processes.map((p) => stopDetached(p)));
  // lab-netd stops its dnsmasq; one left behind by a killed lab-netd is stopped by its pid file.
  const dir = st.nodes[0] ? path.dirname(st.nodes[0].nodeDir) : undefined;
  const pid = dir ? Number(readText(path.join(dir, 'net', 'dnsmasq.pid')).trim()) : NaN;
  if (Number.isInteger(pid) && pid > 1) await stopDetached({ pid, exe: 'dnsmasq' });
  await destroyVmNetwork(st.network);
  for (const tap of await strayTaps(st.network)) {
    await runCommand({ file: 'ip', args: ['link', 'delete', tap], timeoutMs: 10000 }).catch(() => undefined);
  }
}

/** What `down` does for a lab dir whose state is gone: the derived namespace and veth (any /24 bump). */
export async function destroyDerivedVmNetwork(dir: string): Promise<void> {
  await destroyVmNetwork(vmNetworkFor(dir));
}

export async function startVmLab(opts: VmLabOptions): Promise<VmLab> {
  const root = repoRoot();
  const dir = path.resolve(opts.dir);
  const firmware: Firmware = opts.firmware ?? 'bios';
  if (firmware !== 'bios' && firmware !== 'uefi') throw new Error(`--firmware must be bios or uefi, not ${String(firmware)}`);
  if (!Number.isInteger(opts.vms) || opts.vms < 1 || opts.vms > 100) throw new Error('--vms: 1 to 100');
  if (firmware === 'uefi' && !fs.existsSync(OVMF_CODE)) throw new Error(`${OVMF_CODE} is missing: apt-get install ovmf`);
  const { accel, why: accelWhy } = await chooseAccel();
  const netDir = path.join(dir, 'net');
  fs.mkdirSync(netDir, { recursive: true });
  fs.mkdirSync(opts.dhcpHostsDir, { recursive: true });
  const net = await chooseVmNetwork(dir);
  const placedBootFiles = prepareVmBootRoot(opts.bootRoot, `http://${net.hostAddress}:${LAB_HTTP_BOOT_PORT}/`);
  const processes: { role: string; pid: number; exe: string }[] = [];
  const started: DetachedProcess[] = [];
  const nodes: VmLabNode[] = [];
  const describe = (): VmLabNodeState[] =>
    nodes.map((n) => ({
      name: n.name,
      kind: 'vm',
      firmware: n.firmware,
      mac: n.mac,
      ip: n.ip,
      bmc: { address: n.bmc.address, port: n.bmc.port, username: n.bmc.username, passwordFile: n.bmc.passwordFile },
      diskPath: n.diskPath,
      nodeDir: n.nodeDir,
      console: n.consolePath,
      serialPort: n.serialPort,
    }));
  const redfish: Record<string, VmRedfishBmc> = {};
  const state = (): VmLabState => ({
    network: net,
    accel,
    accelWhy,
    firmware,
    placedBootFiles,
    processes,
    nodes: describe().map((n) => (redfish[n.name] ? { ...n, redfish: redfish[n.name] } : n)),
  });
  const stop = () => stopVmLab(state());

  try {
    await createVmNetwork(net);
    const vms = Array.from({ length: opts.vms }, (_, i) => ({ mac: vmMac(net, i), ip: vmAddress(net, i) }));
    // lab-netd runs dnsmasq (and restarts it: see lab-netd.ts).
    const dnsmasqArgv = path.join(netDir, 'dnsmasq.argv.json');
    fs.rmSync(path.join(netDir, 'dnsmasq.log'), { force: true });
    fs.writeFileSync(
      dnsmasqArgv,
      JSON.stringify([
        'ip',
        'netns',
        'exec',
        net.namespace,
        'dnsmasq',
        ...dnsmasqArgs({ net, bootRoot: opts.bootRoot, hostsDir: opts.dhcpHostsDir, stateDir: netDir, vms, files: BOOT_FILES }),
      ]),
    );
    const netd = spawnDetached(
      process.execPath,
      [
        path.join(root, 'dist', 'test', 'lab', 'lab-netd.js'),
        '--listen',
        net.hostAddress,
        ...opts.forwardPorts.flatMap((p) => ['--forward', String(p)]),
        '--hosts-dir',
        opts.dhcpHostsDir,
        '--dnsmasq-args-file',
        dnsmasqArgv,
        '--dnsmasq-log',
        path.join(netDir, 'dnsmasq.out'),
        '--http-root',
        opts.bootRoot,
        '--http-port',
        String(LAB_HTTP_BOOT_PORT),
      ],
      { logFile: path.join(netDir, 'lab-netd.log') },
    );
    started.push(netd);
    processes.push({ role: 'lab-netd', pid: netd.pid, exe: netd.exe });
    await waitFor(
      async () => {
        if (!isAlive(netd.pid)) throw new Error(`lab-netd exited: ${readText(path.join(netDir, 'lab-netd.log'))}`);
        return /ready$/m.test(readText(path.join(netDir, 'lab-netd.log')));
      },
      15000,
      'lab-netd',
    );
    await waitFor(
      async () => {
        if (!isAlive(netd.pid)) throw new Error(`lab-netd exited: ${readText(path.join(netDir, 'lab-netd.log'))}`);
        if (/dnsmasq exited/.test(readText(path.join(netDir, 'lab-netd.log'))))
          throw new Error(`dnsmasq exited: ${readText(path.join(netDir, 'dnsmasq.out'))}`);
        return /DHCP, sockets bound/.test(readText(path.join(netDir, 'dnsmasq.log')));
      },
      15000,
      'dnsmasq',
    );

    for (let i = 0; i < opts.vms; i++) {
      const name = vmName(i);
      const nodeDir = path.join(dir, name);
      const bmcDir = path.join(nodeDir, 'bmc');
      fs.mkdirSync(path.join(bmcDir, 'state'), { recursive: true });
      powerCutVm(nodeDir);
      fs.writeFileSync(path.join(nodeDir, 'boot'), 'default\n');
      const diskPath = path.join(nodeDir, 'disk.img');
      if (!fs.existsSync(diskPath)) {
        fs.closeSync(fs.openSync(diskPath, 'w'));
        fs.truncateSync(diskPath, opts.diskSize ?? 2 * GiB);
      }
      const extraDiskPaths = (opts.extraDiskSizes ?? []).map((size, k) => {
        const p = path.join(nodeDir, `disk-${k + 1}.img`);
        if (!fs.existsSync(p)) {
          fs.closeSync(fs.openSync(p, 'w'));
          fs.truncateSync(p, size);
        }
        return p;
      });
      if (firmware === 'uefi' && !fs.existsSync(path.join(nodeDir, 'OVMF_VARS.fd'))) {
        fs.copyFileSync(OVMF_VARS, path.join(nodeDir, 'OVMF_VARS.fd'));
      }
      const password = opts.password === 'per-node' ? crypto.randomBytes(8).toString('hex') : (opts.password ?? 'password');
      const passwordFile = path.join(bmcDir, 'password');
      fs.writeFileSync(passwordFile, password, { mode: 0o600 });
      const bmc: LabBmc = { address: '127.0.0.1', port: await freeUdpPort(), username: 'admin', password, passwordFile };
      const serialPort = await freeTcpPort();
      const ipmiPort = opts.ipmiSystemInterface ? await freeTcpPort() : undefined;
      const consolePath = path.join(nodeDir, 'console.log');
      const env: Record<string, string> = {
        VM_NAME: name,
        VM_MAC: vms[i]!.mac,
        VM_DISK: diskPath,
        VM_DISK_FORMAT: 'raw',
        VM_FIRMWARE: firmware,
        VM_OVMF_CODE: OVMF_CODE,
        VM_MACHINE: firmware === 'uefi' ? 'q35' : 'pc',
        VM_ACCEL: accel,
        VM_MEMORY_MIB: String(opts.memoryMib ?? 1024),
        VM_CPUS: String(opts.cpus ?? 1),
        VM_EXTRA_DISKS: extraDiskPaths.join(' '),
        VM_SERIAL_PORT: String(serialPort),
        ...(ipmiPort !== undefined ? { VM_IPMI_PORT: String(ipmiPort) } : {}),
        ...(opts.virtualMedia || opts.bmc === 'redfish' ? { VM_VMEDIA: '1' } : {}),
        VM_TAP: `${net.tapPrefix}${i}`,
        VM_NETNS: net.namespace,
        VM_BRIDGE: net.bridge,
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      };
      fs.writeFileSync(
        path.join(nodeDir, 'vm.env'),
        `${Object.entries(env)
          .map(([k, v]) => `${k}=${shellQuote(v)}`)
          .join('\n')}\nexport PATH\n`,
      );
      const lanConf = path.join(bmcDir, 'lan.conf');
      fs.writeFileSync(
        lanConf,
        renderLanConf({
          name,
          index: 0x100 + i,
          port: bmc.port,
          username: bmc.username,
          password,
          chassisScript: path.join(root, 'test', 'lab', 'vm-chassis.sh'),
          nodeDir,
          sol: `tcp:127.0.0.1:${serialPort}`,
          systemInterfacePort: ipmiPort,
        }),
        { mode: 0o600 },
      );
      const sim = spawnDetached(
        '/usr/bin/ipmi_sim',
        ['-c', lanConf, '-f', path.join(root, 'test', 'lab', 'sim.emu'), '-n', '-s', path.join(bmcDir, 'state')],
        { logFile: path.join(bmcDir, 'ipmi_sim.log'), cwd: nodeDir },
      );
      started.push(sim);
      processes.push({ role: `bmc ${name}`, pid: sim.pid, exe: sim.exe });
      nodes.push({
        name,
        index: i,
        kind: 'vm',
        firmware,
        mac: vms[i]!.mac,
        ip: vms[i]!.ip,
        bmc,
        diskPath,
        extraDiskPaths,
        nodeDir,
        consolePath,
        serialPort,
        power: () => vmPower(nodeDir),
        consoleLog: () => readText(consolePath),
        powerLog: () => readText(path.join(nodeDir, 'power.log')),
      });
    }
    await Promise.all(
      nodes.map((n) =>
        waitFor(
          async () => {
            const sim = started.find((p, k) => processes[k]!.role === `bmc ${n.name}`)!;
            if (!isAlive(sim.pid)) throw new Error(`ipmi_sim for ${n.name} exited (see ${n.nodeDir}/bmc/ipmi_sim.log)`);
            return bmcAnswers(n.bmc);
          },
          15000,
          `BMC of ${n.name} on UDP ${n.bmc.port}`,
        ),
      ),
    );
    if (opts.bmc === 'redfish') {
      const rdir = path.join(dir, 'redfish');
      fs.mkdirSync(rdir, { recursive: true, mode: 0o700 });
      const log = path.join(rdir, 'redfish-bmc.log');
      fs.rmSync(log, { force: true });
      const rf = spawnDetached(
        process.execPath,
        [
          path.join(root, 'dist', 'test', 'lab', 'redfish-bmc', 'cli.js'),
          ...['--dir', rdir, '--vm-dirs', nodes.map((n) => n.nodeDir).join(','), '--cert-address', net.hostAddress],
        ],
        { logFile: log },
      );
      started.push(rf);
      processes.push({ role: 'redfish bmc', pid: rf.pid, exe: rf.exe });
      let info: { url: string; caFile: string; username: string; systems: string[] } | undefined;
      await waitFor(
        async () => {
          if (!isAlive(rf.pid)) throw new Error(`the Redfish BMC exited: ${readText(log)}`);
          const line = readText(log)
            .split('\n')
            .find((l) => l.startsWith('{'));
          if (line) info = JSON.parse(line) as typeof info;
          return info !== undefined;
        },
        15000,
        'the Redfish BMC',
      );
      for (const [k, n] of nodes.entries()) {
        redfish[n.name] = {
          address: info!.url,
          systemId: info!.systems[k]!,
          username: info!.username,
          passwordFile: path.join(rdir, 'password'),
          caFile: info!.caFile,
        };
      }
    }
    // ipmi_sim's LAN address parameters start at 0.0.0.0: set them as an admin sets a server's BMC.
    if (opts.ipmiSystemInterface) {
      for (const n of nodes) {
        await ipmitool(n.bmc, 'lan', 'set', '1', 'ipsrc', 'static');
        await ipmitool(n.bmc, 'lan', 'set', '1', 'ipaddr', n.bmc.address);
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { dir, net, accel, nodes, state, stop };
}
