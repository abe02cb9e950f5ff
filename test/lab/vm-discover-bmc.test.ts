// Discovery reads the BMC's address on (virtual) hardware with a BMC: the VM lab's ipmiSystemInterface
// gives the VM a KCS system interface (QEMU's ipmi-bmc-extern) to its own ipmi_sim, whose LAN address
// the lab sets to the BMC's. The unknown VM PXE-boots the discovery ramdisk, which loads ipmi_si and
// ipmi_devintf, reads `ipmitool lan print` and posts bmc_address with its inventory: the node appears
// in `enroll` with driver_info.ipmi_address equal to the lab BMC's address and an INFO event saying
// only the credentials are missing. Needs root, QEMU, dnsmasq, ipmi_sim, pxelinux; IRONFLOW_VM_TESTS=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCidrList } from '#workflows/domain/image-networks';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { ipmitool } from './ipmitool';
import { startVmLab, vmLabWorkerEnv, type VmLab } from './vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';

const skip = vmLabSkipReason(['/usr/lib/PXELINUX/pxelinux.0']);

describe('VM lab: discovery of a VM with a BMC reads its address', { skip }, () => {
  let stack: TestStack;
  let lab: VmLab;
  let work: string;

  before(async () => {
    const { kernel, initrd } = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-discover-bmc-'));
    const labDir = path.join(work, 'lab');
    stack = await startStack({
      callbackTimeoutSec: 600,
      automatedClean: 'none',
      // The lab relay makes every VM's report come from 127.0.0.1.
      app: { discovery: { enabled: true, sources: parseCidrList('127.0.0.0/8') } },
      data: (apiPort) => ({
        callbackBase: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_CALLBACK_URL!,
        httpBootUrl: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_HTTP_BOOT_URL,
        deployKernel: kernel,
        deployRamdisk: initrd,
        ramdiskAppend: 'console=ttyS0,115200',
        discovery: true,
      }),
    });
    lab = await startVmLab({
      vms: 1,
      dir: labDir,
      bootRoot: stack.data.bootRoot,
      dhcpHostsDir: stack.data.dhcpHostsDir,
      forwardPorts: [Number(new URL(stack.url).port)],
      diskSize: 64 * 1024 * 1024,
      ipmiSystemInterface: true,
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the unknown VM reports its BMC address: a node in enroll with driver_info.ipmi_address', async () => {
    const vm = lab.nodes[0]!;
    const lan = await ipmitool(vm.bmc, 'lan', 'print', '1');
    assert.match(lan.stdout, new RegExp(`^IP Address +: ${vm.bmc.address.replace(/\./g, '\\.')}$`, 'm'), 'the lab set the BMC LAN address');
    await ipmitool(vm.bmc, 'chassis', 'bootdev', 'pxe');
    await ipmitool(vm.bmc, 'power', 'on');
    await waitFor(async () => vm.power() === 'on', 30_000, 'the VM to power on');
    await waitFor(async () => vm.power() === 'off', 900_000, 'the discovery ramdisk to power the VM off').catch((e: Error) => {
      throw new Error(`${e.message}\nconsole:\n${vm.consoleLog().slice(-3000)}`);
    });
    assert.match(vm.consoleLog(), new RegExp(`BMC address ${vm.bmc.address.replace(/\./g, '\\.')}`));
    const ports = (await api(stack, 'GET', `/v1/ports?address=${vm.mac}&fields=address,node_uuid`)).body.ports as { node_uuid: string }[];
    assert.equal(ports.length, 1, 'one node has the VM MAC');
    const nodeUuid = ports[0]!.node_uuid;
    const n = (await api(stack, 'GET', `/v1/nodes/${nodeUuid}`)).body;
    assert.equal(n.provision_state, 'enroll');
    assert.deepEqual(n.driver_info, { ipmi_address: vm.bmc.address });
    const hist = (await api(stack, 'GET', `/v1/nodes/${nodeUuid}/history`)).body.history as { event: string; severity: string }[];
    const ev = hist.find((h) => /^Discovered by PXE boot/.test(h.event));
    assert.ok(ev, JSON.stringify(hist));
    assert.equal(ev.severity, 'INFO');
    assert.match(
      ev.event,
      new RegExp(`BMC ${vm.bmc.address.replace(/\./g, '\\.')} read from the machine: set driver_info ipmi_username and ipmi_password`),
    );
  });
});
