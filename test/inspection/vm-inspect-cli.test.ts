// Inspection of real (virtual) hardware through the whole stack and the `baremetal` CLI:
// a BIOS and a UEFI VM of the VM lab (QEMU: 2 vCPUs, 768 MiB, a 6 GiB virtio disk, one
// virtio NIC) are enrolled with BMC credentials and their MAC, then `node inspect --wait`.
// CPUs, memory, the disk's size and the MAC must be the QEMU command line's; boot_mode the
// firmware's. BIOS: a 5 GiB disk added to the powered-off VM appears after re-inspection and,
// being the smallest disk of at least 4 GiB, becomes the root disk (local_gb follows).
// Needs root, QEMU, OVMF, dnsmasq, ipmi_sim; slow under TCG: IRONFLOW_VM_TESTS=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baremetal, baremetalJson } from '../support/baremetal';
import { api, startStack, type TestStack } from '../support/stack';
import { addVmDisk, startVmLab, vmLabWorkerEnv, type Firmware, type VmLab } from '../lab/vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from '../lab/vm-prerequisites';

const GiB = 1024 ** 3;
const MEMORY_MIB = 768;
const V81 = { 'X-OpenStack-Ironic-API-Version': '1.81' };

const skip = vmLabSkipReason(['/usr/share/OVMF/OVMF_CODE_4M.fd', '/usr/lib/PXELINUX/pxelinux.0']);

for (const firmware of ['bios', 'uefi'] as Firmware[]) {
  describe(`VM lab, ${firmware}: baremetal node inspect`, { skip }, () => {
    let stack: TestStack;
    let lab: VmLab;
    let work: string;
    let uuid: string;

    before(async () => {
      const { kernel, initrd } = await buildDeployRamdisk();
      work = fs.mkdtempSync(path.join(os.tmpdir(), `vm-inspect-cli-${firmware}-`));
      const labDir = path.join(work, 'lab');
      stack = await startStack({
        app: { inspectTimeoutSec: 900 },
        data: (apiPort) => ({
          callbackBase: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_CALLBACK_URL!,
          httpBootUrl: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_HTTP_BOOT_URL,
          deployKernel: kernel,
          deployRamdisk: initrd,
          ramdiskAppend: 'console=ttyS0,115200',
          dnsmasqLog: path.join(labDir, 'net', 'dnsmasq.log'),
        }),
      });
      lab = await startVmLab({
        vms: 1,
        dir: labDir,
        firmware,
        bootRoot: stack.data.bootRoot,
        dhcpHostsDir: stack.data.dhcpHostsDir,
        forwardPorts: [Number(new URL(stack.url).port)],
        diskSize: 6 * GiB,
        cpus: 2,
        memoryMib: MEMORY_MIB,
      });
    });
    after(async () => {
      await lab?.stop();
      await stack?.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    async function inspect(): Promise<{ node: any; inventory: any; plugin_data: any }> {
      const t0 = Date.now();
      const r = await baremetal(stack.url, ['--os-baremetal-api-version', '1.81', 'node', 'inspect', uuid, '--wait', '900'], {}, 950_000);
      const node = (await api(stack, 'GET', `/v1/nodes/${uuid}`, undefined, V81)).body;
      assert.equal(r.code, 0, `${r.stderr}\n${node.last_error}\nconsole:\n${lab.nodes[0]!.consoleLog().slice(-3000)}`);
      console.log(`# ${firmware} inspection: ${Date.now() - t0} ms`);
      const inv = await api(stack, 'GET', `/v1/nodes/${uuid}/inventory`, undefined, V81);
      assert.equal(inv.status, 200, inv.text);
      return { node, ...inv.body };
    }

    test('the properties, the port and the inventory match the QEMU command line', async () => {
      const vm = lab.nodes[0]!;
      const created = await baremetalJson(stack.url, [
        'node',
        'create',
        '--driver',
        'ipmi',
        '--name',
        `vm-${firmware}`,
        '--inspect-interface',
        'agent',
        '--driver-info',
        `ipmi_address=${vm.bmc.address}`,
        '--driver-info',
        `ipmi_port=${vm.bmc.port}`,
        '--driver-info',
        `ipmi_username=${vm.bmc.username}`,
        '--driver-info',
        `ipmi_password=${vm.bmc.password}`,
        // The firmware is fixed per VM: Ironflow must boot it in its mode (iPXE script for UEFI).
        ...(firmware === 'uefi' ? ['--property', 'capabilities=boot_mode:uefi'] : []),
      ]);
      uuid = created.uuid;
      const port = await baremetal(stack.url, ['port', 'create', vm.mac, '--node', uuid]);
      assert.equal(port.code, 0, port.stderr);
      const m = await baremetal(stack.url, ['node', 'manage', uuid, '--wait', '60']);
      assert.equal(m.code, 0, m.stderr);

      const { node, inventory, plugin_data } = await inspect();
      assert.equal(node.provision_state, 'manageable');
      assert.equal(node.power_state, 'power off');
      assert.deepEqual(
        {
          cpus: node.properties.cpus,
          memory_mb: node.properties.memory_mb,
          local_gb: node.properties.local_gb,
          arch: node.properties.cpu_arch,
        },
        { cpus: 2, memory_mb: MEMORY_MIB, local_gb: 5, arch: 'x86_64' },
      );
      assert.equal(node.properties.capabilities, `boot_mode:${firmware}`);
      assert.deepEqual(
        inventory.disks.map((d: any) => [d.name, d.size]),
        [['/dev/vda', 6 * GiB]],
      );
      assert.deepEqual(
        inventory.interfaces.map((i: any) => [i.mac_address, i.pxe_booted]),
        [[vm.mac, true]],
      );
      assert.equal(inventory.boot.current_boot_mode, firmware);
      assert.equal(plugin_data.boot_interface, vm.mac);
      const ports = await api(stack, 'GET', `/v1/nodes/${uuid}/ports?detail=true`, undefined, V81);
      assert.deepEqual(
        ports.body.ports.map((p: any) => [p.address, p.pxe_enabled]),
        [[vm.mac, true]],
      );
    });

    if (firmware === 'bios') {
      test('a disk added to the VM appears after re-inspection and becomes the root disk', async () => {
        const vm = lab.nodes[0]!;
        assert.ok(uuid, 'the first inspection ran');
        addVmDisk(vm.nodeDir, 5 * GiB);
        const { node, inventory, plugin_data } = await inspect();
        assert.deepEqual(
          inventory.disks.map((d: any) => [d.name, d.size, d.serial]),
          [
            ['/dev/vda', 6 * GiB, null],
            ['/dev/vdb', 5 * GiB, 'extra1'],
          ],
        );
        assert.equal(plugin_data.root_disk.name, '/dev/vdb');
        assert.equal(node.properties.local_gb, 4);
        const h = await api(stack, 'GET', `/v1/nodes/${uuid}/history`, undefined, V81);
        const applied = (h.body.history as { event: string }[]).map((e) => e.event).filter((e) => e.startsWith('Inspection applied'));
        assert.equal(applied.length, 2);
        assert.match(applied[1]!, /^Inspection applied: local_gb: 5 -> 4; no new ports$/);
      });
    }
  });
}
