// Real PXE boots of what writeBootConfigs writes: a QEMU VM (KVM if it works, else TCG) with an
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
import { bootGuest, buildCmdlineRamdisk, findKernel, firmwareOf } from '#test/support/cmdline-guest';
import { writeBootConfigs, type BootSpec } from './boot-files';
import { deployKernelParams, type DeployKernelParams } from './kernel-params';

const MAC = '52:54:00:12:34:56';
const skip = process.env.IRONFLOW_SKIP_VM_TESTS === '1' ? 'IRONFLOW_SKIP_VM_TESTS=1' : false;

/** Boots the VM (BIOS) with the given DHCP boot file; the kernel command line the guest saw, and it says it booted under BIOS. */
async function bootAndReadCmdline(dir: string, tftpRoot: string, bootfile: string, name: string): Promise<string[]> {
  const r = await bootGuest({ dir, name, tftpRoot, bootfile, mac: MAC, firmware: 'bios', timeoutMs: 150_000 });
  assert.equal(firmwareOf(r.log), 'bios');
  return r.value.split(/\s+/);
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
    buildCmdlineRamdisk(ramdisk);
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
