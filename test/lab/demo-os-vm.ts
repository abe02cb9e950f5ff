// Boots the bootable demo OS (demo-os/build.sh) in QEMU and logs in to it: shared by the VM tests.
// KVM when /dev/kvm opens, else TCG; a KVM that cannot run the firmware (some nested hosts stop the guest
// with "KVM internal error") falls back to TCG for that boot, saying so. User-mode network, a free host
// port forwarded to the guest's 22; the serial console goes to a file, read for the ready line.
// IRONFLOW_VM_ACCEL=kvm|tcg forces one (a host whose KVM hangs instead of failing needs tcg).
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import { freeTcpPort, startProcess, type Proc } from '../support/procs';

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const READY = /ironflow-demo-os: ready hostname=(\S+) ip=(\S+)/;

export type Firmware = 'bios' | 'uefi';
export type Accel = 'kvm' | 'tcg';

export interface DemoVm {
  hostname: string;
  ip: string;
  /** The host port forwarded to the guest's SSH. */
  port: number;
  /** Power-on to the ready line, in milliseconds. */
  ms: number;
  accel: Accel;
  proc: Proc;
  consoleLog: string;
}

class KvmFailed extends Error {}

/** Builds the demo OS (cached) and returns its disk image. */
export async function buildDemoOs(): Promise<string> {
  const build = await runCommand({ file: 'bash', args: [path.join(repoRoot(), 'demo-os', 'build.sh')], timeoutMs: 15 * 60000 });
  const disk = /^disk: (.*)$/m.exec(build.stdout)?.[1];
  if (!disk) throw new Error(`demo-os/build.sh printed no disk: ${build.stdout}`);
  return disk;
}

export function kvmUsable(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Boots `disks` (virtio, the first is the boot disk; the files are written to, pass copies) and resolves
 * once the ready line is on the serial console. The caller stops `proc`.
 */
export async function bootDemoOs(opts: {
  work: string;
  name: string;
  firmware: Firmware;
  disks: string[];
  accel?: Accel;
}): Promise<DemoVm> {
  const forced = process.env.IRONFLOW_VM_ACCEL;
  if (forced !== undefined && forced !== 'kvm' && forced !== 'tcg') throw new Error(`IRONFLOW_VM_ACCEL=${forced}: use kvm or tcg`);
  const accel = opts.accel ?? forced ?? (kvmUsable() ? 'kvm' : 'tcg');
  const { work, name, firmware } = opts;
  const port = await freeTcpPort();
  const consoleLog = path.join(work, `${name}-${accel}.console.log`);
  const qemuLog = path.join(work, `${name}-${accel}.qemu.log`);
  const fw: string[] = [];
  if (firmware === 'uefi') {
    const vars = path.join(work, `${name}-${accel}.vars.fd`);
    fs.copyFileSync(OVMF_VARS, vars);
    fw.push('-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`);
  }
  const t0 = performance.now();
  const proc = startProcess(
    'qemu-system-x86_64',
    [
      '-accel',
      accel,
      ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
      '-m',
      '512',
      '-display',
      'none',
      '-monitor',
      'none',
      '-serial',
      `file:${consoleLog}`,
      ...fw,
      ...opts.disks.flatMap((d) => ['-drive', `file=${d},format=raw,if=virtio`]),
      '-netdev',
      `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`,
      '-device',
      'virtio-net-pci,netdev=n0',
      '-device',
      'virtio-rng-pci',
    ],
    { logFile: qemuLog },
  );
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
  try {
    // Not waitFor: it retries through errors, and a KVM failure or a dead QEMU must end the wait at once.
    const deadline = performance.now() + 240_000;
    let m: RegExpExecArray | null = null;
    while (!(m = READY.exec(read(consoleLog)))) {
      if (/KVM internal error/.test(read(qemuLog))) throw new KvmFailed(read(qemuLog).split('\n')[0]);
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`QEMU exited: ${read(qemuLog)}`);
      if (performance.now() > deadline) throw new Error(`timed out waiting for the ready line on the ${firmware} VM's console`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return { hostname: m[1], ip: m[2], port, ms: Math.round(performance.now() - t0), accel, proc, consoleLog };
  } catch (e) {
    await proc.stop(2000);
    if (e instanceof KvmFailed) {
      console.log(`# ${name}: KVM cannot run this guest here (${e.message}); booting under TCG`);
      return bootDemoOs({ ...opts, accel: 'tcg' });
    }
    throw new Error(`${String(e)}\nconsole:\n${read(consoleLog).slice(-3000)}`);
  }
}

const SSH_OPTS = [
  '-o',
  'StrictHostKeyChecking=no',
  '-o',
  'UserKnownHostsFile=/dev/null',
  '-o',
  'BatchMode=yes',
  '-o',
  'ConnectTimeout=20',
  '-o',
  'LogLevel=ERROR',
];

/** Runs a command as root over SSH with the private key `key` (on `host`, default a port forward on loopback); its stdout, trimmed. */
export async function sshDemoOs(port: number, key: string, command: string, host = '127.0.0.1'): Promise<string> {
  const r = await runCommand({
    file: 'ssh',
    args: ['-i', key, '-p', String(port), ...SSH_OPTS, `root@${host}`, command],
    timeoutMs: 60_000,
  });
  return r.stdout.trim();
}

/** SSH without a key (password only, which BatchMode cannot answer): rejects when root logs in by key only. */
export async function sshWithoutKey(port: number): Promise<void> {
  await runCommand({
    file: 'ssh',
    args: ['-p', String(port), ...SSH_OPTS, '-o', 'PubkeyAuthentication=no', 'root@127.0.0.1', 'true'],
    timeoutMs: 60_000,
  });
}
