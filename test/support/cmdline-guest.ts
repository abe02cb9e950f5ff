// A guest that tells what it was booted with: a busybox initramfs whose init prints
// /proc/cmdline and the firmware it came up under (efi when /sys/firmware/efi exists),
// then powers off. With the host's Debian kernel (an EFI-stub kernel) it boots under
// BIOS (pxelinux, iPXE) and UEFI (iPXE EFI), so a PXE test sees exactly the kernel
// parameters our boot configs give. Needs qemu-system-x86, busybox-static, a kernel
// (linux-image-amd64 or .cache/ramdisk/kernel) and, for UEFI, ovmf.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startProcess, waitFor } from './procs';

/** A newc cpio archive (what the kernel unpacks as initramfs). */
function cpio(entries: Array<{ name: string; mode: number; data?: Buffer; rdev?: [number, number] }>): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  let ino = 1;
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  for (const e of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
    const data = 'data' in e && e.data ? e.data : Buffer.alloc(0);
    const rdev = 'rdev' in e && e.rdev ? e.rdev : [0, 0];
    const name = Buffer.from(`${e.name}\0`);
    const header = Buffer.from(
      '070701' + [ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length, 0].map(hex).join(''),
    );
    parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
  }
  return Buffer.concat(parts);
}

export function buildCmdlineRamdisk(file: string): void {
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t proc proc /proc',
    '/bin/busybox mount -t sysfs sysfs /sys',
    'if [ -d /sys/firmware/efi ]; then fw=efi; else fw=bios; fi',
    'echo "IRONFLOW-FIRMWARE: $fw"',
    'echo "IRONFLOW-CMDLINE: $(/bin/busybox cat /proc/cmdline)"',
    '/bin/busybox poweroff -f',
    '',
  ].join('\n');
  fs.writeFileSync(
    file,
    cpio([
      { name: 'bin', mode: 0o040755 },
      { name: 'dev', mode: 0o040755 },
      { name: 'proc', mode: 0o040755 },
      { name: 'sys', mode: 0o040755 },
      { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
      { name: 'bin/busybox', mode: 0o100755, data: fs.readFileSync('/bin/busybox') },
      { name: 'init', mode: 0o100755, data: Buffer.from(init) },
    ]),
  );
}

export function findKernel(): string {
  // The host's Debian kernel (setup installs linux-image-amd64), else the deploy ramdisk's (ramdisk/build.sh).
  const k = fs.existsSync('/boot')
    ? fs
        .readdirSync('/boot')
        .filter((n) => n.startsWith('vmlinuz-'))
        .sort()
    : [];
  if (k.length) return path.join('/boot', k[k.length - 1]);
  const built = path.join(repoRoot(), '.cache', 'ramdisk', 'kernel');
  if (fs.existsSync(built)) return built;
  throw new Error('no kernel: install linux-image-amd64 (npm test does) or run bash ramdisk/build.sh');
}

export const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
export const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

export interface GuestBoot {
  /** Directory for the serial log (and the UEFI variable store copy). */
  dir: string;
  /** Log and variable-store name. */
  name: string;
  tftpRoot: string;
  /** The DHCP boot file QEMU's user-mode network hands out. */
  bootfile: string;
  mac: string;
  firmware: 'bios' | 'uefi';
  /** QEMU NIC model (its ROM is iPXE; legacy PXE under BIOS, EFI under OVMF). */
  nic?: 'e1000' | 'virtio-net-pci';
  /** A whole serial-log line to wait for (its first group is returned); default: the guest's command line. */
  until?: RegExp;
  timeoutMs?: number;
}

/** KVM when /dev/kvm opens read-write (IRONFLOW_VM_ACCEL=tcg|kvm overrides), else TCG. */
function preferredAccel(): 'kvm' | 'tcg' {
  const forced = process.env.IRONFLOW_VM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return forced;
  try {
    fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
    return 'kvm';
  } catch {
    return 'tcg';
  }
}

async function bootOnce(g: GuestBoot, accel: 'kvm' | 'tcg'): Promise<{ found?: string; kvmFailed?: true; log: string }> {
  const log = path.join(g.dir, `${g.name}-${accel}.log`);
  const args = ['-accel', accel, '-m', '512', '-display', 'none', '-no-reboot', '-nodefaults', '-serial', 'stdio', '-boot', 'n'];
  if (accel === 'kvm') args.push('-cpu', 'host');
  if (g.firmware === 'uefi') {
    const vars = path.join(g.dir, `${g.name}-vars.fd`);
    fs.copyFileSync(OVMF_VARS, vars);
    args.push('-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`);
  }
  args.push(
    '-netdev',
    `user,id=n0,restrict=on,tftp=${g.tftpRoot},bootfile=${g.bootfile}`,
    '-device',
    `${g.nic ?? 'e1000'},netdev=n0,mac=${g.mac}`,
  );
  const until = g.until ?? /IRONFLOW-CMDLINE: (.*)/;
  const vm = startProcess('qemu-system-x86_64', args, { logFile: log });
  try {
    return await waitFor(
      async () => {
        // Only whole lines: the serial log is read while QEMU is still writing it.
        const text = fs.readFileSync(log, 'utf8');
        const whole = text.slice(0, text.lastIndexOf('\n') + 1);
        for (const line of whole.split('\n')) {
          const m = until.exec(line.replace(/\r$/, ''));
          if (m) return { found: (m[1] ?? m[0]).trim(), log };
        }
        // Some hosts open /dev/kvm but cannot run the firmware under it (nested virtualisation).
        if (accel === 'kvm' && /KVM internal error|failed to initialize kvm/i.test(text)) return { kvmFailed: true as const, log };
        return undefined;
      },
      g.timeoutMs ?? 300_000,
      `the guest to print ${until} (see ${log})`,
    );
  } finally {
    await vm.stop(2000);
  }
}

/** Boots the guest until the awaited line: its first group (default: the kernel command line) and the serial log's path. */
export async function bootGuest(g: GuestBoot): Promise<{ value: string; log: string }> {
  let r = await bootOnce(g, preferredAccel());
  if (r.kvmFailed) r = await bootOnce(g, 'tcg');
  return { value: r.found!, log: r.log };
}

/** The firmware the guest said it came up under (efi | bios), from a whole line of its serial log. */
export function firmwareOf(log: string): string | undefined {
  return /IRONFLOW-FIRMWARE: (\w+)\r?\n/.exec(fs.readFileSync(log, 'utf8'))?.[1];
}
