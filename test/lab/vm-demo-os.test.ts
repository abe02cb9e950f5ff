// The bootable demo OS (demo-os/build.sh) in a real VM, once under BIOS (SeaBIOS) and once under UEFI
// (OVMF): it boots from the one hybrid image, finds the config drive Ironflow builds (activities/configdrive:
// the ISO from a configdrive document) by its label, takes the host name and SSH key from meta_data and runs
// the user_data script, and lets us in over SSH (QEMU user-mode network, a host port forwarded to 22).
//   BIOS: the drive as Ironflow really writes it: a partition appended at the end of the target disk
//         (planConfigDrivePartition + configDriveWrites applied to the disk file, as the lab does).
//   UEFI: the drive as a second virtio disk (how a VM or a virtual-media config drive may carry it).
// Slow (a kernel boots, ~30 s under TCG): runs only with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import {
  applyWritesToFile,
  buildConfigDriveIso,
  configDriveWrites,
  planConfigDrivePartition,
  PLAN_HEAD_BYTES,
} from '#activities/configdrive';
import type { Proc } from '../support/procs';
import { bootDemoOs, buildDemoOs, sshDemoOs, sshWithoutKey, type DemoVm, type Firmware } from './demo-os-vm';

const MiB = 1024 * 1024;
const enabled = process.env.IRONFLOW_VM_TESTS === '1';

describe('real VM: the bootable demo OS', { skip: enabled ? false : 'set IRONFLOW_VM_TESTS=1 (boots VMs, ~30 s each under TCG)' }, () => {
  let work: string;
  let image: string;
  let key: string;
  const procs: Proc[] = [];

  before(async () => {
    image = await buildDemoOs();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-demo-os-'));
    key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', 'demo-os-test', '-f', key] });
  });
  after(async () => {
    for (const p of procs) await p.stop(2000);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** A config drive ISO built by Ironflow's own code, from a document as a client would send it. */
  async function configDrive(hostname: string, marker: string): Promise<Uint8Array> {
    const doc = {
      meta_data: { hostname, public_keys: { default: fs.readFileSync(`${key}.pub`, 'utf8').trim() } },
      user_data: `#!/bin/sh\necho "${marker}" > /root/user-data-ran\n`,
    };
    return buildConfigDriveIso(doc, { uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', name: 'demo-node' });
  }

  async function boot(name: string, firmware: Firmware, disks: string[]): Promise<DemoVm> {
    const vm = await bootDemoOs({ work, name, firmware, disks });
    procs.push(vm.proc);
    return vm;
  }

  async function check(firmware: Firmware, vm: DemoVm, hostname: string, marker: string) {
    console.log(`# ${firmware} (${vm.accel}): power-on → ready line (SSH up): ${vm.ms} ms`);
    assert.deepEqual({ hostname: vm.hostname, ip: vm.ip }, { hostname, ip: '10.0.2.15' });
    assert.equal(await sshDemoOs(vm.port, key, 'hostname'), hostname);
    assert.equal(await sshDemoOs(vm.port, key, 'cat /root/user-data-ran'), marker);
    assert.equal(await sshDemoOs(vm.port, key, 'if [ -d /sys/firmware/efi ]; then echo uefi; else echo bios; fi'), firmware);
    // Root logs in by key only.
    await assert.rejects(sshWithoutKey(vm.port));
    await vm.proc.stop(2000);
  }

  test('BIOS: boots from the image with the config drive appended as a partition at the end of the disk', async () => {
    const iso = await configDrive('demo-bios', 'user_data ran under BIOS');
    // The target disk: the image written from byte 0 on a bigger disk, then Ironflow's config drive plan.
    const disk = path.join(work, 'bios-disk.raw');
    fs.copyFileSync(image, disk);
    const imageBytes = fs.statSync(disk).size;
    fs.truncateSync(disk, imageBytes + 32 * MiB);
    const fd = fs.openSync(disk, 'r');
    const head = Buffer.alloc(PLAN_HEAD_BYTES);
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const plan = planConfigDrivePartition({ head, imageBytes, diskBytes: imageBytes + 32 * MiB, driveBytes: iso.length });
    assert.equal(plan.table, 'mbr');
    await applyWritesToFile(disk, configDriveWrites(plan, iso));
    const table = await runCommand({ file: 'sfdisk', args: ['-d', disk] });
    assert.match(table.stdout, /bios-disk\.raw2 : start=\s*\d+, size=\s*\d+, type=83/);

    const vm = await boot('bios', 'bios', [disk]);
    await check('bios', vm, 'demo-bios', 'user_data ran under BIOS');
    assert.match(fs.readFileSync(vm.consoleLog, 'utf8'), /first-boot: config drive: \/dev\/vda2/);
  });

  test('UEFI: boots the same image through EFI/BOOT/BOOTX64.EFI, the config drive on a second disk', async () => {
    const iso = await configDrive('demo-uefi', 'user_data ran under UEFI');
    const disk = path.join(work, 'uefi-disk.raw');
    fs.copyFileSync(image, disk);
    const drive = path.join(work, 'uefi-config-drive.iso');
    fs.writeFileSync(drive, iso);
    const vm = await boot('uefi', 'uefi', [disk, drive]);
    await check('uefi', vm, 'demo-uefi', 'user_data ran under UEFI');
    assert.match(fs.readFileSync(vm.consoleLog, 'utf8'), /first-boot: config drive: \/dev\/vdb/);
  });
});
