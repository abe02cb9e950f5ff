// Discovery and root-device hints on real (virtual) hardware, the stack in full (Temporal, database,
// API, worker) with IRONFLOW_DISCOVERY on. A VM that no node knows is powered on (QEMU started through
// its BMC by the test, as a rack's operator would press the button): dnsmasq's wildcard host entry
// gives it boot files, pxelinux falls back to the default config, the ramdisk boots in
// `ironflow.mode=discover`, posts its inventory to POST /v1/discovery through the lab relay, and
// powers the VM off. The node appears in `enroll` with the VM's MAC as a PXE-enabled port, its
// properties, no driver_info (a VM's BMC address is not readable from inside) and a warning event
// saying what to add. A second boot creates no second node. Then, as the operator would, the test
// adds the BMC credentials and a root-device hint naming the VM's *smaller* disk (serial extra1; the
// ramdisk's default is the largest) and deploys: the image lands on that disk, the other stays zero.
// Needs root, QEMU, dnsmasq, ipmi_sim, pxelinux; IRONFLOW_VM_TESTS=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseCidrList } from '#workflows/domain/image-networks';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { makeDemoImage } from './demo-image';
import { ipmitool } from './ipmitool';
import { startVmLab, vmLabWorkerEnv, type VmLab } from './vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';

const MiB = 1024 * 1024;
const DISK = 256 * MiB; // vda: the largest, what the ramdisk takes without hints
const EXTRA_DISK = 128 * MiB; // vdb: serial extra1, what the hint names
const skip = vmLabSkipReason(['/usr/lib/PXELINUX/pxelinux.0']);

function isZero(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(4 * MiB);
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, b, 0, b.length, pos);
      if (n === 0) return true;
      if (!b.subarray(0, n).every((x) => x === 0)) return false;
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

describe('VM lab: discovery of an unknown VM, then a deploy with a root-device hint', { skip }, () => {
  let stack: TestStack;
  let lab: VmLab;
  let work: string;
  let server: http.Server;
  let nodeUuid: string;
  const image = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'vm root device hint' });

  before(async () => {
    const { kernel, initrd } = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-discover-'));
    const labDir = path.join(work, 'lab');
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': image.length });
      res.end(req.method === 'HEAD' ? undefined : image);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
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
      diskSize: DISK,
      extraDiskSizes: [EXTRA_DISK],
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function nodesWithMac(mac: string): Promise<string[]> {
    const ports = (await api(stack, 'GET', `/v1/ports?address=${mac}&fields=address,node_uuid`)).body.ports as { node_uuid: string }[];
    return ports.map((p) => p.node_uuid);
  }

  async function bootUnknown(what: string): Promise<void> {
    const vm = lab.nodes[0]!;
    await ipmitool(vm.bmc, 'chassis', 'bootdev', 'pxe');
    await ipmitool(vm.bmc, 'power', 'on');
    await waitFor(async () => vm.power() === 'on', 30_000, 'the VM to power on');
    await waitFor(async () => vm.power() === 'off', 900_000, `${what}: the discovery ramdisk to power the VM off`).catch((e: Error) => {
      throw new Error(`${e.message}\nconsole:\n${vm.consoleLog().slice(-3000)}`);
    });
  }

  test('the unknown VM PXE-boots, reports and powers off; it is a node in enroll with its MAC, and no driver_info', async () => {
    const vm = lab.nodes[0]!;
    assert.deepEqual(await nodesWithMac(vm.mac), [], 'the VM is unknown');
    const t0 = Date.now();
    await bootUnknown('first boot');
    console.log(`# discovery: power-on → powered off: ${Date.now() - t0} ms`);
    const owners = await nodesWithMac(vm.mac);
    assert.equal(owners.length, 1, 'one node has the VM MAC');
    nodeUuid = owners[0]!;
    const n = (await api(stack, 'GET', `/v1/nodes/${nodeUuid}`)).body;
    assert.equal(n.provision_state, 'enroll');
    assert.equal(n.driver, 'ipmi');
    assert.deepEqual(n.driver_info, {});
    assert.deepEqual(n.properties, { cpus: 1, memory_mb: 1024, local_gb: 0, cpu_arch: 'x86_64', capabilities: 'boot_mode:bios' });
    const ports = (await api(stack, 'GET', `/v1/ports?node=${nodeUuid}&fields=address,pxe_enabled`)).body.ports.map((p: any) => ({
      address: p.address,
      pxe_enabled: p.pxe_enabled,
    }));
    assert.deepEqual(ports, [{ address: vm.mac, pxe_enabled: true }]);
    const hist = (await api(stack, 'GET', `/v1/nodes/${nodeUuid}/history`)).body.history as { event: string; severity: string }[];
    const ev = hist.find((h) => /^Discovered by PXE boot/.test(h.event));
    assert.ok(ev, JSON.stringify(hist));
    assert.equal(ev.severity, 'WARNING');
    assert.equal(
      ev.event,
      'Discovered by PXE boot from 127.0.0.1. No BMC address readable (a VM has none): set driver_info ipmi_address, ipmi_username, ipmi_password ' +
        `(ipmi_port if not 623) before manage. NICs ${vm.mac} (PXE: ${vm.mac}).`,
    );
    assert.ok(
      hist.some((h) => /^Discovered hardware: 1 CPU x86_64, 1024 MiB; 2 disk\(s\); QEMU Standard PC/.test(h.event)),
      JSON.stringify(hist),
    );
  });

  test('a second boot of the same server creates no second node', async () => {
    const vm = lab.nodes[0]!;
    const before = vm.consoleLog().length;
    await bootUnknown('second boot');
    const log = vm.consoleLog();
    const run = log.length >= before ? log.slice(before) : log;
    assert.match(run, /callback inventory \(seq \d+\) acknowledged, command done/, 'the second boot reported too');
    assert.deepEqual(await nodesWithMac(vm.mac), [nodeUuid]);
    assert.equal((await api(stack, 'GET', '/v1/nodes')).body.nodes.length, 1);
  });

  test('with BMC credentials and a root_device hint, the deploy writes to the hinted (smaller) disk only', async () => {
    const vm = lab.nodes[0]!;
    const patch = [
      { op: 'add', path: '/driver_info/ipmi_address', value: vm.bmc.address },
      { op: 'add', path: '/driver_info/ipmi_port', value: vm.bmc.port },
      { op: 'add', path: '/driver_info/ipmi_username', value: vm.bmc.username },
      { op: 'add', path: '/driver_info/ipmi_password', value: vm.bmc.password },
      { op: 'add', path: '/properties/root_device', value: { serial: 'extra1' } },
      { op: 'add', path: '/automated_clean', value: false },
      {
        op: 'add',
        path: '/instance_info',
        value: {
          image_source: `http://127.0.0.1:${(server.address() as AddressInfo).port}/img.raw`,
          image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`,
        },
      },
    ];
    const p = await api(stack, 'PATCH', `/v1/nodes/${nodeUuid}`, patch);
    assert.equal(p.status, 200, p.text);
    const state = async () => (await api(stack, 'GET', `/v1/nodes/${nodeUuid}`)).body;
    for (const [target, want] of [
      ['manage', 'manageable'],
      ['provide', 'available'],
      ['active', 'active'],
    ] as const) {
      const r = await api(stack, 'PUT', `/v1/nodes/${nodeUuid}/states/provision`, { target });
      assert.equal(r.status, 202, r.text);
      await waitFor(
        async () => {
          const n = await state();
          if (/failed/.test(n.provision_state))
            throw new Error(`${target}: ${n.provision_state}: ${n.last_error}\n${vm.consoleLog().slice(-3000)}`);
          return n.provision_state === want && n.target_provision_state === null;
        },
        900_000,
        want,
      );
    }
    const head = Buffer.alloc(image.length);
    const fd = fs.openSync(vm.extraDiskPaths[0]!, 'r');
    fs.readSync(fd, head, 0, image.length, 0);
    fs.closeSync(fd);
    assert.ok(head.equals(image), 'vdb (serial extra1) holds the image');
    assert.ok(isZero(vm.diskPath), 'vda, the larger disk the ramdisk takes without hints, is untouched');
    assert.match(vm.consoleLog(), /iSCSI target .* disks: \/dev\/vdb/);
  });
});
