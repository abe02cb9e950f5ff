// The virtual lab: N simulated servers, each behind its own ipmi_sim BMC on
// 127.0.0.1, PXE-booting over real TFTP from a tftpd the lab runs.
//
//   <dir>/tftp/                      TFTP root (unless tftpRoot is given)
//   <dir>/<node>/disk.img            sparse disk file
//   <dir>/<node>/node.env            what chassis.sh and node-server.sh need
//   <dir>/<node>/power, boot         power (0|1) and boot device, as the BMC sees them
//   <dir>/<node>/boot.json           the last boot (see node-server.sh)
//   <dir>/<node>/console.log         the simulated server's and ramdisk's output
//   <dir>/<node>/bmc/                lan.conf, ipmi_sim state and log, password
//   <dir>/<node>/machine/            the fake /proc, /sys and `ip` the ramdisk's inventory reads
//   <dir>/dnsmasq.log                DHCP and TFTP of every node, in dnsmasq's log format
//
// BMC credentials: user `admin`, password `password` unless `password` says
// otherwise ('per-node' = a random one per node, kept in <node>/bmc/password).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import { freeTcpPort, freeUdpPort, waitFor } from '../support/procs';
import { renderLanConf } from './bmc-config';
import { isAlive, spawnDetached, stopDetached, type DetachedProcess } from './detached-process';
import { labNodeMac, labNodeName } from './node-identity';
import { startTftpServer, type TftpServer } from './tftp-server';

export interface LabOptions {
  nodes: number;
  /** Where node folders live, e.g. <repo>/.data/lab. */
  dir: string;
  /** TFTP root the lab's tftpd serves (default <dir>/tftp). */
  tftpRoot?: string;
  /** Disk size in bytes (default 1 GiB). */
  diskSize?: number;
  /**
   * More disks per node (disk1.img, disk2.img, ...), for root-device hints: the ramdisk chooses
   * among all of them. Every disk has the serial `<node>-disk<i>` (disk.img is disk 0) and the
   * model `lab-disk`, in `<disk>.facts` (ramdisk/init's disk_facts).
   */
  extraDisks?: { size: number; model?: string; rotational?: boolean }[];
  /** BMC password for every node (default "password"), or 'per-node' for random ones. */
  password?: string;
  /** Extra IRONFLOW_* variables for the ramdisk in the lab (e.g. a faster poll interval). */
  ramdiskEnv?: Record<string, string>;
  /** What each node's inventory says it has: CPUs (default 2) and RAM (default 1024 MiB). */
  cpus?: number;
  memoryMb?: number;
  /** The bootloader DHCP would announce (default pxelinux.0); the node fetches it first. */
  bootfile?: string;
  /**
   * Use a TFTP server someone else runs (e.g. Ironflow's own in.tftpd on
   * 127.0.0.1:port) instead of starting one; `tftpRoot` then just names its root.
   */
  externalTftpPort?: number;
}

export interface BootRecord {
  ts: string;
  source: 'pxe' | 'disk';
  via?: string;
  config?: string;
  kernel?: string;
  initrd?: string;
  append?: string;
  ramdisk?: boolean;
  error?: string;
  bootable?: boolean;
  disk_sha256_first_mib?: string;
  marker?: string;
}

export interface LabBmc {
  address: string;
  port: number;
  username: string;
  password: string;
  passwordFile: string;
}

export interface LabNode {
  name: string;
  index: number;
  mac: string;
  bmc: LabBmc;
  diskPath: string;
  /** The extraDisks, in order. */
  extraDiskPaths: string[];
  nodeDir: string;
  /** Portal port and tgtd control channel of this node's ramdisk. */
  iscsiPort: number;
  tgtControl: number;
  /** The address the lab's simulated DHCP gives it (in the dnsmasq-format log only). */
  ip: string;
  /** What the node's inventory reports (ramdisk/inventory reads <node>/machine/). */
  hardware: { cpus: number; memoryMb: number; diskBytes: number; diskName: string; nic: string; secondNic: string };
  /** The last boot.json, or undefined if the node never booted. */
  readBoot(): BootRecord | undefined;
  /** Every boot so far, oldest first. */
  bootHistory(): BootRecord[];
  /** Power as the simulated hardware has it. */
  power(): 'on' | 'off';
  /** Exit code of the last ramdisk run, if it ended. */
  ramdiskExit(): number | undefined;
  consoleLog(): string;
}

/** What other tools need to enroll the nodes (no password: a file holds it). */
export interface LabNodeDescription {
  name: string;
  mac: string;
  bmc: { address: string; port: number; username: string; passwordFile: string };
  diskPath: string;
  nodeDir: string;
}

export interface Lab {
  dir: string;
  nodes: LabNode[];
  tftpRoot: string;
  tftpPort: number;
  /** DHCP and TFTP lines of every node's boots, as dnsmasq --log-dhcp writes them (IRONFLOW_DNSMASQ_LOG). */
  dhcpLog: string;
  /** PIDs of the lab's long-running processes (BMCs, tftpd). */
  processes: { role: string; pid: number; exe: string }[];
  describe(): LabNodeDescription[];
  /** Powers every node off (servers and tgtds killed by PID), stops BMCs and tftpd. */
  stop(): Promise<void>;
}

const GiB = 1024 ** 3;

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** A tgtd management channel no tgtd on this machine uses yet. */
function freeTgtControl(taken: Set<number>): number {
  for (;;) {
    const n = 1000 + crypto.randomInt(31000); // tgtd accepts -C up to 32767
    if (taken.has(n) || fs.existsSync(`/var/run/tgtd/socket.${n}`)) continue;
    taken.add(n);
    return n;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Kills a node's simulated server (process group) and tgtd, as a power cut would. */
export function powerCutNode(nodeDir: string): void {
  const tgtdRan = fs.existsSync(path.join(nodeDir, 'ramdisk', 'tgtd.pid'));
  for (const [file, group] of [
    ['server.pid', true],
    ['ramdisk/tgtd.pid', false],
  ] as const) {
    const p = path.join(nodeDir, file);
    const pid = Number(fs.existsSync(p) ? fs.readFileSync(p, 'utf8').trim() : NaN);
    if (Number.isInteger(pid) && pid > 1) {
      try {
        process.kill(group ? -pid : pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(p, { force: true });
  }
  if (tgtdRan) {
    // A killed tgtd leaves its management socket and lock behind.
    const env = fs.existsSync(path.join(nodeDir, 'node.env')) ? fs.readFileSync(path.join(nodeDir, 'node.env'), 'utf8') : '';
    const ch = /^LAB_TGT_CONTROL='(\d+)'$/m.exec(env)?.[1];
    if (ch) for (const f of [`socket.${ch}`, `socket.${ch}.lock`]) fs.rmSync(path.join('/var/run/tgtd', f), { force: true });
  }
  if (fs.existsSync(nodeDir)) fs.writeFileSync(path.join(nodeDir, 'power'), '0\n');
}

/** The simulated DHCP address of node i. */
export function labNodeIp(index: number): string {
  return `10.255.${Math.floor(index / 200)}.${10 + (index % 200)}`;
}

/**
 * The fake machine ramdisk/inventory reads (IRONFLOW_INVENTORY_ROOT): CPUs, memory in
 * 128 MiB blocks, the node's disk as /dev/vda (its real size), its NIC as eth0 with its
 * MAC, DMI, and an `ip` that prints the simulated address.
 */
function writeMachine(root: string, name: string, hw: LabNode['hardware'], ip: string): void {
  fs.rmSync(root, { recursive: true, force: true });
  const files: Record<string, string> = {
    'proc/cpuinfo': Array.from(
      { length: hw.cpus },
      (_, n) => `processor\t: ${n}\nmodel name\t: Ironflow Lab CPU\ncpu MHz\t\t: 2400.000\nflags\t\t: fpu lm nx vmx sse4_2 hypervisor\n\n`,
    ).join(''),
    'proc/meminfo': `MemTotal:       ${hw.memoryMb * 1024 - 65536} kB\n`,
    'proc/sys/kernel/arch': 'x86_64\n',
    'sys/devices/system/memory/block_size_bytes': '8000000\n',
    'sys/block/vda/size': `${Math.floor(hw.diskBytes / 512)}\n`,
    'sys/block/vda/removable': '0\n',
    'sys/block/vda/queue/rotational': '0\n',
    'sys/block/vda/serial': `lab-disk-${name}\n`,
    'sys/block/vda/device/vendor': '0x1af4\n',
    'sys/class/net/eth0/address': `${hw.nic}\n`,
    'sys/class/net/eth0/carrier': '1\n',
    'sys/class/net/eth0/speed': '1000\n',
    // A second NIC, cable unplugged: inspection finds it and creates its port (not PXE-enabled).
    'sys/class/net/eth1/address': `${hw.secondNic}\n`,
    'sys/class/net/eth1/carrier': '0\n',
    'sys/class/dmi/id/sys_vendor': 'Ironflow Lab\n',
    'sys/class/dmi/id/product_name': 'simulated node\n',
    'sys/class/dmi/id/product_serial': `${name}\n`,
    'bin/ip': `#!/bin/sh\n[ "$6" = eth0 ] && echo "2: eth0    inet ${ip}/24 brd 10.255.255.255 scope global eth0"\nexit 0\n`,
  };
  for (let b = 0; b < Math.ceil(hw.memoryMb / 128); b++) files[`sys/devices/system/memory/memory${b}/state`] = 'online\n';
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  for (const nic of ['eth0', 'eth1']) {
    fs.mkdirSync(path.join(root, `sys/class/net/${nic}/device`), { recursive: true });
    fs.symlinkSync('../../../bus/pci/drivers/virtio_net', path.join(root, `sys/class/net/${nic}/device/driver`));
  }
  fs.chmodSync(path.join(root, 'bin/ip'), 0o755);
}

function makeNode(
  index: number,
  nodeDir: string,
  bmc: LabBmc,
  iscsiPort: number,
  tgtControl: number,
  hardware: LabNode['hardware'],
  extraDiskPaths: string[] = [],
): LabNode {
  return {
    extraDiskPaths,
    name: labNodeName(index),
    index,
    mac: labNodeMac(index),
    bmc,
    diskPath: path.join(nodeDir, 'disk.img'),
    nodeDir,
    iscsiPort,
    tgtControl,
    ip: labNodeIp(index),
    hardware,
    readBoot: () => readJson<BootRecord>(path.join(nodeDir, 'boot.json')),
    bootHistory: () => {
      const f = path.join(nodeDir, 'boots.jsonl');
      if (!fs.existsSync(f)) return [];
      return fs
        .readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as BootRecord);
    },
    power: () => {
      const f = path.join(nodeDir, 'power');
      return fs.existsSync(f) && fs.readFileSync(f, 'utf8').trim() === '1' ? 'on' : 'off';
    },
    ramdiskExit: () => {
      const f = path.join(nodeDir, 'ramdisk.exit');
      return fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8').trim()) : undefined;
    },
    consoleLog: () => {
      const f = path.join(nodeDir, 'console.log');
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '';
    },
  };
}

/** Does the BMC answer `power status` over RMCP+? */
export async function bmcAnswers(bmc: LabBmc): Promise<boolean> {
  try {
    await runCommand({
      file: 'ipmitool',
      args: [
        '-I',
        'lanplus',
        '-C',
        '3',
        '-H',
        bmc.address,
        '-p',
        String(bmc.port),
        '-U',
        bmc.username,
        '-E',
        '-N',
        '1',
        '-R',
        '1',
        'power',
        'status',
      ],
      secretEnv: { IPMI_PASSWORD: bmc.password },
      timeoutMs: 5000,
    });
    return true;
  } catch {
    return false;
  }
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  const root = repoRoot();
  const dir = path.resolve(opts.dir);
  const tftpRoot = path.resolve(opts.tftpRoot ?? path.join(dir, 'tftp'));
  const diskSize = opts.diskSize ?? GiB;
  fs.mkdirSync(dir, { recursive: true });
  const processes: { role: string; pid: number; exe: string }[] = [];
  const started: DetachedProcess[] = [];
  const nodes: LabNode[] = [];
  let tftp: TftpServer | undefined;

  const stop = async () => {
    for (const n of nodes) powerCutNode(n.nodeDir);
    await Promise.all(started.map((p) => stopDetached(p)));
    if (tftp) await tftp.stop();
  };

  try {
    let tftpPort: number;
    if (opts.externalTftpPort !== undefined) {
      tftpPort = opts.externalTftpPort;
    } else {
      tftp = await startTftpServer({ root: tftpRoot, port: await freeUdpPort(), logFile: path.join(dir, 'tftpd.log') });
      processes.push({ role: 'tftpd', pid: tftp.process.pid, exe: tftp.process.exe });
      tftpPort = tftp.port;
    }
    const channels = new Set<number>();
    for (let i = 0; i < opts.nodes; i++) {
      const name = labNodeName(i);
      const nodeDir = path.join(dir, name);
      const bmcDir = path.join(nodeDir, 'bmc');
      fs.mkdirSync(path.join(bmcDir, 'state'), { recursive: true });
      powerCutNode(nodeDir);
      fs.writeFileSync(path.join(nodeDir, 'boot'), 'default\n');
      const diskPath = path.join(nodeDir, 'disk.img');
      if (!fs.existsSync(diskPath)) {
        fs.closeSync(fs.openSync(diskPath, 'w'));
        fs.truncateSync(diskPath, diskSize);
      }
      fs.writeFileSync(`${diskPath}.facts`, `serial=${name}-disk0\nmodel=lab-disk\n`);
      const extraDiskPaths = (opts.extraDisks ?? []).map((x, k) => {
        const p = path.join(nodeDir, `disk${k + 1}.img`);
        fs.closeSync(fs.openSync(p, 'w'));
        fs.truncateSync(p, x.size);
        const facts = [`serial=${name}-disk${k + 1}`, `model=${x.model ?? 'lab-disk'}`];
        if (x.rotational !== undefined) facts.push(`rotational=${x.rotational}`);
        fs.writeFileSync(`${p}.facts`, `${facts.join('\n')}\n`);
        return p;
      });
      const password = opts.password === 'per-node' ? crypto.randomBytes(8).toString('hex') : (opts.password ?? 'password');
      const passwordFile = path.join(bmcDir, 'password');
      fs.writeFileSync(passwordFile, password, { mode: 0o600 });
      const bmc: LabBmc = { address: '127.0.0.1', port: await freeUdpPort(), username: 'admin', password, passwordFile };
      const iscsiPort = await freeTcpPort();
      const tgtControl = freeTgtControl(channels);
      const hardware = {
        cpus: opts.cpus ?? 2,
        memoryMb: opts.memoryMb ?? 1024,
        diskBytes: fs.statSync(diskPath).size,
        diskName: '/dev/vda',
        nic: labNodeMac(i).toLowerCase(),
        secondNic: labNodeMac(i)
          .toLowerCase()
          .replace(/^52:54:00:ab:/, '52:54:00:ac:'),
      };
      writeMachine(path.join(nodeDir, 'machine'), name, hardware, labNodeIp(i));
      const env: Record<string, string> = {
        LAB_NAME: name,
        LAB_MAC: labNodeMac(i),
        LAB_DISK: diskPath,
        LAB_EXTRA_DISKS: extraDiskPaths.join(' '),
        LAB_TFTP_HOST: '127.0.0.1',
        LAB_TFTP_PORT: String(tftpPort),
        LAB_BOOTFILE: opts.bootfile ?? 'pxelinux.0',
        LAB_ISCSI_PORT: String(iscsiPort),
        LAB_TGT_CONTROL: String(tgtControl),
        LAB_INIT: path.join(root, 'ramdisk', 'init'),
        LAB_NODE_SERVER: path.join(root, 'test', 'lab', 'node-server.sh'),
        LAB_IP: labNodeIp(i),
        LAB_DHCP_LOG: path.join(dir, 'dnsmasq.log'),
        LAB_TFTP_ROOT: tftpRoot,
        IRONFLOW_INVENTORY_ROOT: path.join(nodeDir, 'machine'),
        IRONFLOW_IP: path.join(nodeDir, 'machine', 'bin', 'ip'),
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      };
      const lines = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
      lines.push('export PATH IRONFLOW_INVENTORY_ROOT IRONFLOW_IP');
      for (const [k, v] of Object.entries(opts.ramdiskEnv ?? {})) {
        if (!/^IRONFLOW_[A-Z_]+$/.test(k)) throw new Error(`ramdiskEnv: ${k} is not an IRONFLOW_* variable`);
        lines.push(`export ${k}=${shellQuote(v)}`);
      }
      fs.writeFileSync(path.join(nodeDir, 'node.env'), `${lines.join('\n')}\n`);
      const lanConf = path.join(bmcDir, 'lan.conf');
      fs.writeFileSync(
        lanConf,
        renderLanConf({
          name,
          index: i,
          port: bmc.port,
          username: bmc.username,
          password,
          chassisScript: path.join(root, 'test', 'lab', 'chassis.sh'),
          nodeDir,
        }),
        { mode: 0o600 },
      );
      const sim = spawnDetached(
        '/usr/bin/ipmi_sim',
        ['-c', lanConf, '-f', path.join(root, 'test', 'lab', 'sim.emu'), '-n', '-s', path.join(bmcDir, 'state')],
        {
          logFile: path.join(bmcDir, 'ipmi_sim.log'),
          cwd: nodeDir,
        },
      );
      started.push(sim);
      processes.push({ role: `bmc ${name}`, pid: sim.pid, exe: sim.exe });
      nodes.push(makeNode(i, nodeDir, bmc, iscsiPort, tgtControl, hardware, extraDiskPaths));
    }
    await Promise.all(
      nodes.map((n, i) =>
        waitFor(
          async () => {
            if (!isAlive(started[i]!.pid)) throw new Error(`ipmi_sim for ${n.name} exited (see ${n.nodeDir}/bmc/ipmi_sim.log)`);
            return bmcAnswers(n.bmc);
          },
          15000,
          `BMC of ${n.name} on UDP ${n.bmc.port}`,
        ),
      ),
    );
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    dir,
    nodes,
    tftpRoot,
    tftpPort: opts.externalTftpPort ?? tftp!.port,
    dhcpLog: path.join(dir, 'dnsmasq.log'),
    processes,
    describe: () =>
      nodes.map((n) => ({
        name: n.name,
        mac: n.mac,
        bmc: { address: n.bmc.address, port: n.bmc.port, username: n.bmc.username, passwordFile: n.bmc.passwordFile },
        diskPath: n.diskPath,
        nodeDir: n.nodeDir,
      })),
    stop,
  };
}
