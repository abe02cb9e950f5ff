// A UEFI VM of the VM lab netboots the deploy ramdisk the way Ironflow sets a
// UEFI node up: OVMF → the NIC's iPXE (user class iPXE, client arch 7) gets
// `boot.ipxe` from dnsmasq (only because the hostsdir tags its MAC `ironflow`)
// → chains `ipxe.cfg/<mac>` → kernel + initramfs over the lab's HTTP server → the ramdisk's
// DHCP gets the VM's fixed address. The BMC powers it on and off. No stack:
// this checks the lab's UEFI plumbing (vm-lab.test.ts runs the BIOS VM through
// the whole stack). Needs root, QEMU, OVMF, dnsmasq; IRONFLOW_VM_TESTS=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderDnsmasqHost, renderIpxeScript, ipxeScriptFileName } from '#activities/pxe/render';
import { waitFor } from '../support/procs';
import { ipmitool } from './ipmitool';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';
import { startVmLab, type VmLab } from './vm-lab';

const MiB = 1024 * 1024;

const missingPrerequisite = (): string | false => vmLabSkipReason(['/usr/share/OVMF/OVMF_CODE_4M.fd']);

describe('VM lab, UEFI: OVMF → iPXE → boot.ipxe → ipxe.cfg/<mac> → the deploy ramdisk', { skip: missingPrerequisite() }, () => {
  let work: string;
  let lab: VmLab;
  let bootRoot: string;
  let hostsDir: string;

  before(async () => {
    const { kernel, initrd } = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-lab-uefi-'));
    bootRoot = path.join(work, 'tftp');
    hostsDir = path.join(work, 'hosts');
    fs.mkdirSync(path.join(bootRoot, 'deploy'), { recursive: true });
    fs.copyFileSync(kernel, path.join(bootRoot, 'deploy', 'kernel'));
    fs.copyFileSync(initrd, path.join(bootRoot, 'deploy', 'initrd'));
    lab = await startVmLab({
      vms: 1,
      dir: path.join(work, 'lab'),
      firmware: 'uefi',
      bootRoot,
      dhcpHostsDir: hostsDir,
      forwardPorts: [],
      diskSize: 64 * MiB,
    });
  });
  after(async () => {
    await lab?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the UEFI VM netboots the ramdisk with its fixed address; the BMC powers it off', async () => {
    const vm = lab.nodes[0]!;
    assert.equal(vm.firmware, 'uefi');
    assert.deepEqual(
      lab.state().placedBootFiles.sort(),
      ['boot.ipxe', 'ipxe.efi', 'ldlinux.c32', 'pxelinux.0', 'snponly.efi'],
      'the lab placed the boot files (no worker here)',
    );
    assert.match(
      fs.readFileSync(path.join(bootRoot, 'boot.ipxe'), 'utf8'),
      new RegExp(`chain http://${lab.net.hostAddress.replace(/\./g, '\\.')}:8080/`),
    );
    // What Ironflow writes for a node it provisions: the per-MAC iPXE script and the hostsdir entry.
    const script = renderIpxeScript({
      kind: 'deploy',
      kernel: 'deploy/kernel',
      ramdisk: 'deploy/initrd',
      deploymentId: 'uefi-1',
      secret: 's'.repeat(32),
      callbackUrl: `http://${lab.net.hostAddress}:9/v1/deployments/uefi-1/callback`,
      mode: 'erase',
      append: 'console=ttyS0,115200',
    });
    fs.mkdirSync(path.join(bootRoot, 'ipxe.cfg'), { recursive: true });
    fs.writeFileSync(path.join(bootRoot, ipxeScriptFileName(vm.mac)), script);
    fs.writeFileSync(path.join(hostsDir, vm.mac.replace(/:/g, '-')), renderDnsmasqHost(vm.mac, { tag: 'ironflow' }));

    await ipmitool(vm.bmc, 'chassis', 'bootdev', 'pxe', 'options=efiboot');
    const t0 = Date.now();
    await ipmitool(vm.bmc, 'power', 'on');
    assert.match((await ipmitool(vm.bmc, 'power', 'status')).stdout, /is on/);
    const ipRe = new RegExp(`network: eth0 ${vm.ip.replace(/\./g, '\\.')}/24`);
    await waitFor(async () => ipRe.test(vm.consoleLog()), 300_000, 'the ramdisk on the network').catch((e: Error) => {
      throw new Error(`${e.message}\nconsole:\n${vm.consoleLog().slice(-2000)}`);
    });
    console.log(`# UEFI VM power-on → ramdisk with its address: ${Date.now() - t0} ms`);
    assert.match(vm.consoleLog(), /efi: EFI v/, 'the kernel booted under UEFI');
    const log = fs.readFileSync(path.join(lab.dir, 'net', 'dnsmasq.log'), 'utf8');
    assert.match(log, /PXEClient:Arch:00007/);
    assert.match(log, /bootfile-name {2}boot\.ipxe/);
    // boot.ipxe chained over HTTP, so the per-MAC script, the kernel and the ramdisk came from the lab's HTTP server, not TFTP.
    const http = fs.readFileSync(path.join(lab.dir, 'net', 'lab-netd.log'), 'utf8');
    assert.match(http, new RegExp(`http GET /ipxe\\.cfg/${vm.mac.replace(/:/g, '-')} 200`));
    assert.match(http, /http GET \/deploy\/kernel 200 \d+/);
    assert.match(http, /http GET \/deploy\/initrd 200 \d+/);
    assert.doesNotMatch(log, /sent .*\/deploy\/initrd to /, 'the ramdisk did not go over TFTP');
    assert.match(fs.readFileSync(path.join(vm.nodeDir, 'bmc-requests.log'), 'utf8'), /set boot pxe/);

    await ipmitool(vm.bmc, 'power', 'off');
    assert.match((await ipmitool(vm.bmc, 'power', 'status')).stdout, /is off/);
    assert.equal(vm.power(), 'off');
  });
});
