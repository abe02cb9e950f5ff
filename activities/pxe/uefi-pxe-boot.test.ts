// Real UEFI PXE boots of the boot root the worker prepares (prepareBootRoot) plus what
// writeBootConfigs writes: a QEMU VM with OVMF (UEFI firmware, a fresh variable store each
// boot) and an e1000 NIC, whose EFI option ROM is iPXE, gets DHCP + TFTP from QEMU's
// user-mode network (TFTP root = the boot root):
// - bootfile boot.ipxe: the firmware's iPXE runs our chain script → ipxe.cfg/<mac> → the
//   EFI-stub kernel and `initrd --name ramdisk` (`initrd=ramdisk` on the command line) →
//   the guest prints its command line and that it came up under EFI;
// - bootfile snponly.efi: UEFI PXE loads the boot root's iPXE EFI binary and it drives
//   the NIC through the firmware's SNP (what a server's own UEFI PXE client does first).
// QEMU's DHCP cannot tell the firmware from iPXE (no user class), so it cannot hand out
// snponly.efi then boot.ipxe in one boot: dnsmasq can (docs/UEFI.md), the VM lab shows it.
// Needs qemu-system-x86, ovmf, ipxe, linux-image-amd64, busybox-static.
// Set IRONFLOW_SKIP_VM_TESTS=1 to skip on machines without them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootGuest, buildCmdlineRamdisk, findKernel, firmwareOf } from '#test/support/cmdline-guest';
import { prepareBootRoot } from '../deploy/boot-root';
import { writeBootConfigs } from './boot-files';
import { deployKernelParams, type DeployKernelParams } from './kernel-params';

const MAC = '52:54:00:12:34:57';
const skip = process.env.IRONFLOW_SKIP_VM_TESTS === '1' ? 'IRONFLOW_SKIP_VM_TESTS=1' : false;

describe('UEFI PXE boot in a real VM (OVMF)', { skip, timeout: 900_000 }, () => {
  let dir: string;
  let root: string;
  const params: DeployKernelParams = {
    deploymentId: 'dep-uefi-1',
    secret: 'u8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gT',
    callbackUrl: 'http://10.0.2.2:6385/v1/heartbeat/dep-uefi-1?x=1&y=2',
    mode: 'direct',
    imageUrl: 'http://10.0.2.2:6386/images/dep-uefi-1/tok',
    imageChecksum: `sha256:${'ab'.repeat(32)}`,
    disk: 'vda',
    append: ['console=ttyS0,115200n8', 'panic=-1'],
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-uefi-vm-'));
    root = path.join(dir, 'tftp');
    assert.deepEqual(prepareBootRoot(root), [], 'every boot file source is installed');
    const ramdisk = path.join(dir, 'ramdisk.cpio');
    buildCmdlineRamdisk(ramdisk);
    await writeBootConfigs(root, { macs: [MAC], boot: { kind: 'deploy', kernelFile: findKernel(), ramdiskFile: ramdisk, ...params } });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('boot.ipxe chains to the per-MAC script: the EFI-stub kernel gets exactly our parameters, the ramdisk by name, under EFI', async () => {
    const r = await bootGuest({ dir, name: 'uefi-boot-ipxe', tftpRoot: root, bootfile: 'boot.ipxe', mac: MAC, firmware: 'uefi' });
    const got = r.value.split(/\s+/);
    assert.deepEqual(
      got.filter((t) => t.startsWith('ironflow.') || t.startsWith('console=') || t.startsWith('panic=')),
      deployKernelParams(params),
    );
    assert.ok(got.includes('initrd=ramdisk'), got.join(' '));
    assert.ok(got.includes('BOOTIF=01-52-54-00-12-34-57'), got.join(' '));
    assert.equal(firmwareOf(r.log), 'efi', 'the kernel came up under UEFI (/sys/firmware/efi)');
  });

  test("snponly.efi from the boot root: the firmware's PXE loads it and it drives the NIC through SNP", async () => {
    const r = await bootGuest({
      dir,
      name: 'uefi-snponly',
      tftpRoot: root,
      bootfile: 'snponly.efi',
      mac: MAC,
      firmware: 'uefi',
      until: /net0: (52:54:00:12:34:57 using SNP on \S+)/,
    });
    assert.match(r.value, /using SNP/);
  });
});
