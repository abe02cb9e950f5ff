// The deploy ramdisk in inspect mode on real (virtual) hardware: a VM of the VM lab with 2 vCPUs,
// 768 MiB and two virtio disks netboots the ramdisk (BIOS: pxelinux; UEFI: OVMF → iPXE) with
// `ironflow.mode=inspect`, and its `inventory` callback reaches a control-plane stub through the lab
// relay. The inventory must match the QEMU command line: CPUs, memory, each disk's exact size, the
// NIC's MAC and that it PXE-booted, the firmware, QEMU's DMI vendor. No stack: the PXE config is
// written here. Needs root, QEMU, OVMF, dnsmasq, ipmi_sim. Opt-in (IRONFLOW_VM_TESTS=1): the same VMs are
// inspected through the whole stack by test/inspection/vm-inspect-cli.test.ts in every run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import {
  ipxeScriptFileName,
  pxeConfigFileName,
  renderDnsmasqHost,
  renderIpxeScript,
  renderPxelinuxConfig,
  type BootConfig,
} from '#activities/pxe/render';
import type { Inventory } from '#workflows/contracts/inventory';
import { waitFor } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';
import { ipmitool } from './ipmitool';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';
import { startVmLab, type Firmware, type VmLab } from './vm-lab';

const MiB = 1024 * 1024;
const MEMORY_MIB = 768;
const DISK = 64 * MiB;
const EXTRA_DISK = 96 * MiB + 512 * 1024; // not a round MiB: the exact size must come through

const missingPrerequisite = (): string | false =>
  process.env.IRONFLOW_VM_TESTS === '1'
    ? vmLabSkipReason(['/usr/share/OVMF/OVMF_CODE_4M.fd'])
    : 'set IRONFLOW_VM_TESTS=1 (vm-inspect-cli inspects the same VMs through the stack in every run)';

describe('VM lab: the ramdisk inspects a VM', { skip: missingPrerequisite() }, () => {
  let kernel: string;
  let initrd: string;
  before(async () => {
    ({ kernel, initrd } = await buildDeployRamdisk());
    const files = await runCommand({
      file: 'sh',
      args: ['-c', 'gzip -dc "$1" | busybox cpio -t 2>/dev/null', 'sh', initrd],
      timeoutMs: 60000,
    });
    assert.match(files.stdout, /^ironflow\/inventory$/m, `${initrd} carries ramdisk/inventory (a build of this tree)`);
  });

  for (const firmware of ['bios', 'uefi'] as Firmware[]) {
    describe(firmware, () => {
      let work: string;
      let lab: VmLab;
      let cp: ControlPlaneStub;
      const secret = crypto.randomBytes(16).toString('hex');

      before(async () => {
        work = fs.mkdtempSync(path.join(os.tmpdir(), `vm-inspect-${firmware}-`));
        const bootRoot = path.join(work, 'tftp');
        fs.mkdirSync(path.join(bootRoot, 'deploy'), { recursive: true });
        fs.copyFileSync(kernel, path.join(bootRoot, 'deploy', 'kernel'));
        fs.copyFileSync(initrd, path.join(bootRoot, 'deploy', 'initrd'));
        cp = await startControlPlaneStub({ secret });
        lab = await startVmLab({
          vms: 1,
          dir: path.join(work, 'lab'),
          firmware,
          bootRoot,
          dhcpHostsDir: path.join(work, 'hosts'),
          forwardPorts: [cp.port],
          diskSize: DISK,
          extraDiskSizes: [EXTRA_DISK],
          cpus: 2,
          memoryMib: MEMORY_MIB,
        });
        const vm = lab.nodes[0]!;
        const boot: BootConfig = {
          kind: 'deploy',
          kernel: 'deploy/kernel',
          ramdisk: 'deploy/initrd',
          deploymentId: `inspect-${firmware}`,
          secret,
          // The lab relay forwards the stub's loopback port on the host's lab address.
          callbackUrl: `http://${lab.net.hostAddress}:${cp.port}/v1/deployments/inspect-${firmware}/callback`,
          mode: 'inspect',
          append: 'console=ttyS0,115200',
        };
        if (firmware === 'bios') {
          fs.mkdirSync(path.join(bootRoot, 'pxelinux.cfg'), { recursive: true });
          fs.writeFileSync(path.join(bootRoot, pxeConfigFileName(vm.mac)), renderPxelinuxConfig(boot));
        } else {
          fs.mkdirSync(path.join(bootRoot, 'ipxe.cfg'), { recursive: true });
          fs.writeFileSync(path.join(bootRoot, ipxeScriptFileName(vm.mac)), renderIpxeScript(boot));
        }
        fs.writeFileSync(path.join(work, 'hosts', vm.mac.replace(/:/g, '-')), renderDnsmasqHost(vm.mac, { tag: 'ironflow' }));
      });
      after(async () => {
        await lab?.stop();
        await cp?.stop();
        if (work) fs.rmSync(work, { recursive: true, force: true });
      });

      test('the inventory matches the VM, and the ramdisk powers it off on `done`', async () => {
        const vm = lab.nodes[0]!;
        cp.decide = (cb) => ({ command: cb.event === 'poll' ? 'done' : 'wait' });
        await ipmitool(vm.bmc, 'chassis', 'bootdev', 'pxe', ...(firmware === 'uefi' ? ['options=efiboot'] : []));
        const t0 = Date.now();
        await ipmitool(vm.bmc, 'power', 'on');
        const cb = await cp.waitFor('inventory', 600_000).catch((e: Error) => {
          throw new Error(`${e.message}\nconsole:\n${vm.consoleLog().slice(-3000)}`);
        });
        console.log(`# ${firmware} VM power-on → inventory: ${Date.now() - t0} ms`);
        assert.equal(cb.body.deployment, `inspect-${firmware}`);
        const inv = cb.body.inventory as Inventory;
        console.log(`# ${firmware} inventory: ${JSON.stringify(inv)}`);

        assert.equal(inv.cpu.count, 2);
        assert.equal(inv.cpu.architecture, 'x86_64');
        assert.ok(inv.cpu.model_name.length > 0 && Array.isArray(inv.cpu.flags) && inv.cpu.flags.includes('lm'), JSON.stringify(inv.cpu));
        assert.equal(inv.memory.physical_mb, MEMORY_MIB, JSON.stringify(inv.memory));
        assert.ok(inv.memory.total > (MEMORY_MIB - 160) * MiB && inv.memory.total <= MEMORY_MIB * MiB, JSON.stringify(inv.memory));

        assert.deepEqual(
          inv.disks.map((d) => ({ name: d.name, size: d.size, serial: d.serial, vendor: d.vendor })),
          [
            { name: '/dev/vda', size: DISK, serial: null, vendor: '0x1af4' },
            { name: '/dev/vdb', size: EXTRA_DISK, serial: 'extra1', vendor: '0x1af4' },
          ],
        );
        assert.deepEqual(inv.interfaces, [
          {
            name: 'eth0',
            mac_address: vm.mac,
            ipv4_address: vm.ip,
            driver: 'virtio_net',
            has_carrier: true,
            speed_mbps: inv.interfaces[0]?.speed_mbps ?? null,
            pxe_booted: true,
          },
        ]);
        assert.deepEqual(inv.boot, { current_boot_mode: firmware, pxe_interface: vm.mac });
        assert.equal(inv.system_vendor.manufacturer, 'QEMU');
        assert.match(inv.system_vendor.product_name ?? '', firmware === 'uefi' ? /Q35/ : /i440FX/);
        assert.equal(inv.bmc_address, undefined);

        // Told `done` at its first poll, the ramdisk powers the VM off.
        await cp.waitFor('poll', 60_000);
        await waitFor(async () => vm.power() === 'off', 120_000, 'the VM to power itself off');
      });
    });
  }
});
