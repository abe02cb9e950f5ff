// The VM lab's Redfish backend (qemu-backend.ts) through its interface, on a real lab VM
// with a virtual CD: the deploy ISO (activities/vmedia) inserted by URL while the VM is off,
// boot once from Cd, power on → the VM boots the ISO with the lab's DHCP off for its MAC
// (an `ignore` line in the hostsdir) and its ramdisk calls back on its static address;
// the override is spent after that power on; eject with the VM running (QMP) empties the
// drive; ForceOff. Slow (a TCG boot): runs with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildDeployIso } from '#activities/vmedia';
import { renderDnsmasqHost } from '#activities/pxe';
import { waitFor } from '../../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from '../control-plane-stub';
import { startVmLab, type VmLab } from '../vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from '../vm-prerequisites';
import { QemuBackend } from './qemu-backend';

const skip =
  process.env.IRONFLOW_VM_TESTS === '1'
    ? vmLabSkipReason(['/usr/lib/ISOLINUX/isolinux.bin'])
    : 'set IRONFLOW_VM_TESTS=1 (boots a VM under TCG, ~2 min)';

describe('VM lab Redfish backend (QEMU): power, boot override, virtual CD over QMP', { skip }, () => {
  let work: string;
  let lab: VmLab;
  let cp: ControlPlaneStub;
  let files: http.Server;
  const secret = crypto.randomBytes(16).toString('hex');

  before(async () => {
    const ramdisk = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-redfish-qemu-'));
    cp = await startControlPlaneStub({ secret });
    fs.mkdirSync(path.join(work, 'tftp'));
    lab = await startVmLab({
      vms: 1,
      dir: path.join(work, 'lab'),
      bootRoot: path.join(work, 'tftp'),
      dhcpHostsDir: path.join(work, 'hosts'),
      forwardPorts: [cp.port],
      diskSize: 64 * 1024 * 1024,
      virtualMedia: true,
    });
    const vm = lab.nodes[0]!;
    const deployment = crypto.randomUUID();
    const iso = await buildDeployIso(path.join(work, 'vmedia'), {
      nodeUuid: crypto.randomUUID(),
      kernelFile: ramdisk.kernel,
      ramdiskFile: ramdisk.initrd,
      params: {
        deploymentId: deployment,
        secret,
        callbackUrl: `http://${lab.net.hostAddress}:${cp.port}/v1/ramdisk/${deployment}`,
        mode: 'erase',
        append: 'console=ttyS0',
        mac: vm.mac,
        network: { address: `${vm.ip}/24` },
      },
    });
    files = http.createServer((req, res) => {
      if (req.url !== '/deploy.iso') return res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': fs.statSync(iso.path).size });
      fs.createReadStream(iso.path).pipe(res);
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await lab?.stop();
    await cp?.stop();
    await new Promise((r) => files?.close(r));
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('insert while off, boot once from Cd without DHCP, the ramdisk calls back; eject while on; ForceOff', async () => {
    const vm = lab.nodes[0]!;
    const b = new QemuBackend(vm.nodeDir);
    // The lab's DHCP for this VM off: dnsmasq ignores its MAC.
    fs.writeFileSync(path.join(work, 'hosts', 'vmedia-test'), renderDnsmasqHost(vm.mac, { ignore: true }));
    assert.equal(await b.powerState(), 'Off');
    const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/deploy.iso`;
    await b.insertMedia('Cd', url);
    assert.ok((await b.medium())?.endsWith('vmedia-cd.iso'));
    await b.setBootOverride({ target: 'Cd', enabled: 'Once' });
    await b.reset('On');
    assert.equal(await b.powerState(), 'On');
    assert.match(vm.powerLog(), /power on, boot order: cdrom, disk, network\n$/);
    assert.equal(fs.readFileSync(path.join(vm.nodeDir, 'boot'), 'utf8').trim(), 'default', 'a Once override is spent by the power on');
    assert.ok((await b.medium())?.endsWith('vmedia-cd.iso'), 'the running VM has the CD');
    try {
      const first = await cp.waitFor(['disks', 'error'], 480_000);
      assert.equal(first.event, 'disks', String(first.body.error));
    } catch (e) {
      throw new Error(`${String(e)}\nconsole:\n${vm.consoleLog().slice(-3000)}`);
    }
    assert.match(vm.consoleLog(), new RegExp(`network: \\S+ ${vm.ip.replace(/\./g, '\\.')}/24 \\(static\\)`));
    const log = fs.readFileSync(path.join(lab.dir, 'net', 'dnsmasq.log'), 'utf8');
    assert.doesNotMatch(log, new RegExp(`DHCPACK\\S* \\S+ ${vm.mac}`, 'i'), 'no lease for the VM');
    await b.ejectMedia('Cd');
    assert.equal(await b.medium(), undefined);
    await b.reset('ForceOff');
    await waitFor(async () => (await b.powerState()) === 'Off', 10_000, 'power off');
  });
});
