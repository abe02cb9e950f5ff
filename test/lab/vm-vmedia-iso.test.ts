// A real VM (QEMU, TCG) boots the virtual-media deploy ISO (activities/vmedia) from its CD
// drive, BIOS (isolinux) and UEFI (OVMF → GRUB EFI image), with a static address from the
// command line (ironflow.ip, no DHCP asked), to the ramdisk's first callback: erase mode's
// `disks`, answered `done` (the guest powers off). The callback goes to this test on the
// host (10.0.2.2 from the guest, QEMU user-mode network). Slow: runs with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDeployIso } from '#activities/vmedia';
import { startProcess, waitFor, type Proc } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';
import { buildDeployRamdisk } from './vm-prerequisites';

const enabled = process.env.IRONFLOW_VM_TESTS === '1';
const MAC = '52:54:00:12:34:57';
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';

describe(
  'real VM: boots the virtual-media deploy ISO',
  { skip: enabled ? false : 'set IRONFLOW_VM_TESTS=1 (boots VMs under TCG, ~1-3 min each)' },
  () => {
    let work: string;
    let cp: ControlPlaneStub;
    let ramdisk: { kernel: string; initrd: string };
    const procs: Proc[] = [];
    const secret = crypto.randomBytes(16).toString('hex');

    before(async () => {
      ramdisk = await buildDeployRamdisk();
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-vmedia-'));
      cp = await startControlPlaneStub({ secret });
    });
    after(async () => {
      for (const p of procs) await p.stop(2000);
      await cp?.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    async function bootIso(firmware: 'bios' | 'uefi'): Promise<void> {
      const deployment = crypto.randomUUID();
      const iso = await buildDeployIso(path.join(work, 'vmedia'), {
        nodeUuid: crypto.randomUUID(),
        kernelFile: ramdisk.kernel,
        ramdiskFile: ramdisk.initrd,
        params: {
          deploymentId: deployment,
          secret,
          callbackUrl: `http://10.0.2.2:${cp.port}/v1/ramdisk/${deployment}`,
          mode: 'erase',
          append: 'console=ttyS0',
          mac: MAC,
          network: { address: '10.0.2.15/24', gateway: '10.0.2.2' },
        },
      });
      const disk = path.join(work, `${firmware}.img`);
      fs.closeSync(fs.openSync(disk, 'w'));
      fs.truncateSync(disk, 64 * 1024 * 1024);
      const consoleLog = path.join(work, `${firmware}.console.log`);
      const fw: string[] = [];
      if (firmware === 'uefi') {
        fs.copyFileSync(OVMF_VARS, path.join(work, 'vars.fd'));
        fw.push(
          ...['-machine', 'q35', '-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`],
          ...['-drive', `if=pflash,format=raw,file=${path.join(work, 'vars.fd')}`],
        );
      }
      const proc = startProcess(
        'qemu-system-x86_64',
        [
          ...['-accel', 'tcg', '-m', '768', '-display', 'none', '-monitor', 'none', '-serial', `file:${consoleLog}`, '-no-reboot'],
          ...fw,
          // No PXE ROM: the NIC can only be configured by the ramdisk itself.
          ...['-netdev', 'user,id=n0', '-device', `virtio-net-pci,netdev=n0,mac=${MAC},romfile=`],
          ...['-drive', `file=${disk},format=raw,if=virtio`],
          ...['-drive', `file=${iso.path},media=cdrom,readonly=on`, '-boot', 'd'],
        ],
        { logFile: path.join(work, `${firmware}.qemu.log`) },
      );
      procs.push(proc);
      const con = () => (fs.existsSync(consoleLog) ? fs.readFileSync(consoleLog, 'utf8') : '');
      try {
        const disks = await cp.waitFor(['disks', 'error'], 480_000, (c) => c.body.deployment === deployment);
        assert.equal(disks.event, 'disks', String(disks.body.error));
      } catch (e) {
        throw new Error(`${String(e)}\nconsole:\n${con().slice(-3000)}`);
      }
      // The NIC BOOTIF names, statically: no DHCP exchange happened.
      assert.match(con(), /network: \S+ 10\.0\.2\.15\/24 \(static\)/);
      assert.doesNotMatch(con(), /udhcpc/);
      cp.decide = (cb) => ({ command: cb.event === 'poll' && cb.body.deployment === deployment ? 'done' : 'wait' });
      await waitFor(async () => proc.child.exitCode !== null || proc.child.signalCode !== null, 120_000, 'the VM to power off');
    }

    test('BIOS: isolinux boots the ramdisk, which calls back on its static address', () => bootIso('bios'));
    test(
      'UEFI: GRUB from the EFI El Torito image boots the ramdisk, which calls back',
      { skip: !fs.existsSync(OVMF_CODE) && 'needs ovmf' },
      () => bootIso('uefi'),
    );
  },
);
