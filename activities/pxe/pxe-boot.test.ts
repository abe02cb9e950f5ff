// Real PXE boots of what writeBootConfigs writes: a QEMU VM (TCG) with an
// e1000 NIC and its iPXE ROM gets DHCP + TFTP from QEMU's user-mode network,
// loads pxelinux.0 or our iPXE script, then our staged kernel + ramdisk. The
// ramdisk is a busybox initramfs built here that prints /proc/cmdline and powers
// off, so the test sees exactly the kernel parameters the deploy ramdisk will get.
// Needs qemu-system-x86, linux-image-amd64, pxelinux, syslinux-common, busybox-static.
// Set IRONFLOW_SKIP_VM_TESTS=1 to skip on machines without them.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProcess, waitFor } from '#test/support/procs';
import { writeBootConfigs, type BootSpec } from './boot-files';
import { repoRoot } from '#apps/shared/repo-root';
import { deployKernelParams, type DeployKernelParams } from './kernel-params';

const MAC = '52:54:00:12:34:56';
const skip = process.env.IRONFLOW_SKIP_VM_TESTS === '1' ? 'IRONFLOW_SKIP_VM_TESTS=1' : false;

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

function buildRamdisk(file: string): void {
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox mount -t proc proc /proc',
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
      { name: 'dev/console', mode: 0o020600, rdev: [5, 1] },
      { name: 'bin/busybox', mode: 0o100755, data: fs.readFileSync('/bin/busybox') },
      { name: 'init', mode: 0o100755, data: Buffer.from(init) },
    ]),
  );
}

function findKernel(): string {
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

/** Boots the VM with the given DHCP boot file; resolves with the kernel command line the guest saw. */
async function bootAndReadCmdline(dir: string, tftpRoot: string, bootfile: string, name: string): Promise<string[]> {
  const log = path.join(dir, `${name}.log`);
  const vm = startProcess(
    'qemu-system-x86_64',
    [
      '-accel',
      'tcg',
      '-m',
      '512',
      '-display',
      'none',
      '-no-reboot',
      '-nodefaults',
      '-serial',
      'stdio',
      '-boot',
      'n',
      '-netdev',
      `user,id=n0,restrict=on,tftp=${tftpRoot},bootfile=${bootfile}`,
      '-device',
      `e1000,netdev=n0,mac=${MAC}`,
    ],
    { logFile: log },
  );
  try {
    const line = await waitFor(
      async () => {
        // Only a whole line: the serial log is read while QEMU is still writing it.
        const text = fs.readFileSync(log, 'utf8');
        const m = /IRONFLOW-CMDLINE: (.*)\r?\n/.exec(text);
        return m ? m[1].trim() : undefined;
      },
      150_000,
      `the guest to print its command line (see ${log})`,
    );
    return line.split(/\s+/);
  } finally {
    await vm.stop(2000);
  }
}

describe('PXE boot in a real VM', { skip, timeout: 600_000 }, () => {
  let dir: string;
  let root: string;
  let kernel: string;
  let ramdisk: string;
  const params: DeployKernelParams = {
    deploymentId: 'dep-vm-1',
    secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
    callbackUrl: 'http://10.0.2.2:6385/v1/heartbeat/dep-vm-1?x=1&y=2',
    mode: 'iscsi',
    iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-vm', port: 3260, chapUser: 'ironflow-node', chapSecret: 'Zr8mK2pQ7vX4nW9a' },
    disk: 'vda',
    append: ['console=ttyS0,115200n8', 'panic=-1'],
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-pxe-vm-'));
    root = path.join(dir, 'tftp');
    fs.mkdirSync(root);
    fs.copyFileSync('/usr/lib/PXELINUX/pxelinux.0', path.join(root, 'pxelinux.0'));
    fs.copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', path.join(root, 'ldlinux.c32'));
    kernel = findKernel();
    ramdisk = path.join(dir, 'ramdisk.cpio');
    buildRamdisk(ramdisk);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('pxelinux: the deploy kernel gets exactly our parameters plus BOOTIF', async () => {
    const boot: BootSpec = { kind: 'deploy', kernelFile: kernel, ramdiskFile: ramdisk, ...params };
    const w = await writeBootConfigs(root, { macs: [MAC], boot });
    const got = await bootAndReadCmdline(dir, root, 'pxelinux.0', 'pxelinux-deploy');
    assert.deepEqual(
      got.filter((t) => t.startsWith('ironflow.') || t.startsWith('console=') || t.startsWith('panic=')),
      deployKernelParams(params),
    );
    assert.ok(got.includes(`initrd=${w.ramdisk}`), got.join(' '));
    assert.ok(got.includes('BOOTIF=01-52-54-00-12-34-56'), got.join(' '));
  });

  test('iPXE: the per-MAC script boots the same kernel with the same parameters', async () => {
    const got = await bootAndReadCmdline(dir, root, 'ipxe.cfg/52-54-00-12-34-56', 'ipxe-deploy');
    assert.deepEqual(
      got.filter((t) => t.startsWith('ironflow.') || t.startsWith('console=') || t.startsWith('panic=')),
      deployKernelParams(params),
    );
    assert.ok(got.includes('BOOTIF=01-52-54-00-12-34-56'), got.join(' '));
  });

  test('pxelinux netboot: the user kernel gets root= on the local disk', async () => {
    await writeBootConfigs(root, {
      macs: [MAC],
      boot: {
        kind: 'netboot',
        kernelFile: kernel,
        ramdiskFile: ramdisk,
        root: 'UUID=0b1d7a46-2c4e-4d2c-9a57-1a2b3c4d5e6f',
        append: 'console=ttyS0',
      },
    });
    const got = await bootAndReadCmdline(dir, root, 'pxelinux.0', 'pxelinux-netboot');
    assert.ok(got.includes('root=UUID=0b1d7a46-2c4e-4d2c-9a57-1a2b3c4d5e6f'), got.join(' '));
    assert.ok(got.includes('ro'));
    assert.ok(!got.some((t) => t.startsWith('ironflow.')));
  });
});
