// The VM lab end to end against real parts: the real stack (Temporal, database,
// worker, API), `npm run lab -- up --vms 1` (a network namespace, a bridge,
// dnsmasq serving DHCP + TFTP from the stack's boot root and reading its
// dhcp-hostsdir, a QEMU VM behind an ipmi_sim BMC, the relay to the API), the
// real `baremetal` CLI. The VM PXE-boots the deploy ramdisk (ramdisk/build.sh)
// for cleaning on provide, for the iSCSI deploy and for cleaning on undeploy.
//
// The image is the non-bootable demo image: the VM then finds no OS on its disk.
// To deploy a bootable one (branch `bootimg`), set IRONFLOW_VM_LAB_IMAGE to a
// raw whole-disk image; the assertions about the bytes on disk stay the same.
//
// Needs root (namespaces, taps), qemu-system-x86_64, dnsmasq, ipmi_sim; slow
// under TCG (~3-5 min): IRONFLOW_VM_TESTS=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand, toolEnv } from '#activities/shared/command-runner';
import { api, startStack, type TestStack } from '../support/stack';
import { baremetal } from '../support/baremetal';
import { makeDemoImage } from './demo-image';
import { startImageServer, type ImageServer } from './image-server';
import { isAlive } from './detached-process';
import { readLabState, type LabState } from './lab-state';
import { vmLabWorkerEnv } from './vm-lab';
import { vmNetworkFor } from './vm-network';

const MiB = 1024 * 1024;

function missingPrerequisite(): string | false {
  if (process.env.IRONFLOW_VM_TESTS === '0') return 'IRONFLOW_VM_TESTS=0';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, taps)';
  for (const f of ['/usr/bin/qemu-system-x86_64', '/usr/sbin/dnsmasq', '/usr/bin/ipmi_sim', '/usr/lib/PXELINUX/pxelinux.0'])
    if (!fs.existsSync(f)) return `needs ${f}`;
  return false;
}

/** `node dist/scripts/lab.js ARGS` as `npm run lab -- ARGS` runs it. */
function labCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot(), 'dist', 'scripts', 'lab.js'), ...args],
      { env: { ...toolEnv(), ...env }, timeout: 600_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function readDisk(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    fs.readSync(fd, b, 0, bytes, 0);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

function qemuAlive(nodeDir: string): boolean {
  const f = path.join(nodeDir, 'qemu.pid');
  const pid = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8').trim()) : NaN;
  return Number.isInteger(pid) && isAlive(pid);
}

async function links(): Promise<string> {
  return (await runCommand({ file: 'ip', args: ['-o', 'link', 'show'] })).stdout;
}

async function namespaces(): Promise<string> {
  return (await runCommand({ file: 'ip', args: ['netns', 'list'] })).stdout;
}

const skip = missingPrerequisite();

describe('VM lab: a QEMU VM on a real provisioning network, deployed with the baremetal CLI', { skip }, () => {
  let stack: TestStack;
  let images: ImageServer;
  let work: string;
  let labDir: string;
  let cliEnv: Record<string, string>;
  let state: LabState | undefined;
  let image: Buffer;
  const timings: Record<string, number> = {};

  before(async () => {
    const build = await runCommand({ file: 'bash', args: [path.join(repoRoot(), 'ramdisk', 'build.sh')], timeoutMs: 15 * 60000 });
    const kernel = /^kernel: (.*)$/m.exec(build.stdout)?.[1];
    const initrd = /^initramfs: (.*)$/m.exec(build.stdout)?.[1];
    assert.ok(kernel && initrd, `build.sh output: ${build.stdout}`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-lab-'));
    labDir = path.join(work, 'lab');
    // Hook for a bootable image (branch `bootimg`): a raw whole-disk image file.
    image = process.env.IRONFLOW_VM_LAB_IMAGE
      ? fs.readFileSync(process.env.IRONFLOW_VM_LAB_IMAGE)
      : makeDemoImage({ sizeBytes: 8 * MiB, marker: 'vm lab demo' });
    images = await startImageServer();
    images.images.set('vm.raw', { data: image });
    stack = await startStack({
      automatedClean: 'metadata',
      callbackTimeoutSec: 600,
      // What `npm start` does for a VM lab: the ramdisk calls back through the lab's relay.
      data: (apiPort) => ({
        callbackBase: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_CALLBACK_URL!,
        deployKernel: kernel,
        deployRamdisk: initrd,
        ramdiskAppend: 'console=ttyS0,115200',
      }),
    });
    cliEnv = {
      IRONFLOW_BOOT_ROOT: stack.data.bootRoot,
      IRONFLOW_DHCP_HOSTS_DIR: stack.data.dhcpHostsDir,
      IRONFLOW_DATA_DIR: work,
    };
  });

  after(async () => {
    // Whatever a failed test left: the lab by its state, then the stack.
    if (labDir && readLabState(labDir)) await labCli(['down', '--dir', labDir, '--keep-nodes'], cliEnv);
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    console.log(`# VM lab timings (ms): ${JSON.stringify(timings)}`);
  });

  test('lab up --vms 1: the VM is enrolled, cleaned for real in its ramdisk, and available', async () => {
    const t0 = Date.now();
    const up = await labCli(['up', '--vms', '1', '--dir', labDir, '--api', stack.url], cliEnv);
    timings.labUpWithCleaning = Date.now() - t0;
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    assert.match(up.stdout, /vm-0 .* enrolled [0-9a-f-]{36} \(available\)/);
    state = readLabState(labDir);
    const vm = state?.vm?.nodes[0];
    assert.ok(vm, 'the state names the VM');
    const net = vmNetworkFor(labDir);
    assert.equal(state!.vm!.network.namespace, net.namespace);
    assert.match(await namespaces(), new RegExp(`^${net.namespace}\\b`, 'm'));

    const status = await labCli(['status', '--json', '--dir', labDir], cliEnv);
    assert.equal(status.code, 0, status.stderr);
    const nodes = JSON.parse(status.stdout);
    assert.deepEqual(nodes, [
      {
        name: 'vm-0',
        kind: 'vm',
        firmware: 'bios',
        mac: vm.mac,
        ip: `${state!.vm!.network.prefix}.10`,
        bmc: { address: '127.0.0.1', port: vm.bmc.port, username: 'admin' },
        disk: vm.diskPath,
        console: path.join(labDir, 'vm-0', 'console.log'),
        serial: `127.0.0.1:${vm.serialPort}`,
      },
    ]);
    assert.doesNotMatch(status.stdout, /password"/);

    const n = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(n.provision_state, 'available');
    assert.equal(n.properties.capabilities, 'boot_mode:bios');
    const ports = (await api(stack, 'GET', `/v1/nodes/${n.uuid}/ports`)).body.ports;
    assert.deepEqual(
      ports.map((p: any) => p.address),
      [vm.mac],
    );
    // Cleaning really ran in the VM: DHCP gave it its fixed address and the boot file, TFTP sent
    // pxelinux and the ramdisk, the ramdisk brought the NIC up with that address and erased.
    const dnsmasqLog = fs.readFileSync(path.join(labDir, 'net', 'dnsmasq.log'), 'utf8');
    assert.match(dnsmasqLog, new RegExp(`DHCPACK\\(br0\\) ${vm.ip.replace(/\./g, '\\.')} ${vm.mac}`));
    assert.match(dnsmasqLog, /bootfile-name {2}pxelinux\.0/);
    assert.match(dnsmasqLog, /sent .*\/pxelinux\.0 to /);
    const consoleLog = fs.readFileSync(vm.console, 'utf8');
    assert.match(consoleLog, new RegExp(`network: eth0 ${vm.ip.replace(/\./g, '\\.')}/24`));
    const hist = (await api(stack, 'GET', `/v1/nodes/${n.uuid}/history`)).body.history;
    assert.ok(
      hist.some((h: any) => /Erase record: .*"mode":"metadata".*"verified":true/.test(h.event)),
      'an erase record',
    );
    assert.equal(qemuAlive(vm.nodeDir), false, 'the VM powered itself off after cleaning');
    assert.equal(n.power_state, 'power off');
    assert.match(fs.readFileSync(path.join(vm.nodeDir, 'power.log'), 'utf8'), /boot order: network, disk/);
  });

  test('baremetal node deploy --wait (iscsi) → active: the VM disk holds the image; undeploy → available, VM off', async () => {
    const vm = state!.vm!.nodes[0]!;
    fs.writeFileSync(vm.diskPath, Buffer.from('old tenant data '.repeat(4096)), { flag: 'r+' });
    const sha = crypto.createHash('sha256').update(image).digest('hex');
    const set = await baremetal(stack.url, [
      'node',
      'set',
      'vm-0',
      '--deploy-interface',
      'iscsi',
      '--instance-info',
      `image_source=${images.url('vm.raw')}`,
      '--instance-info',
      `image_checksum=sha256:${sha}`,
    ]);
    assert.equal(set.code, 0, set.stderr);
    let t = Date.now();
    const dep = await baremetal(stack.url, ['node', 'deploy', 'vm-0', '--wait', '600'], {}, 660_000);
    timings.deployIscsi = Date.now() - t;
    assert.equal(dep.code, 0, `${dep.stderr}\nconsole:\n${fs.readFileSync(vm.console, 'utf8').slice(-2000)}`);
    const n = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(n.provision_state, 'active');
    assert.equal(n.last_error, null);
    assert.ok(readDisk(vm.diskPath, image.length).equals(image), 'the VM disk holds the image byte for byte');
    assert.equal(qemuAlive(vm.nodeDir), true, 'the VM was powered on to boot from its disk');
    assert.match(fs.readFileSync(path.join(vm.nodeDir, 'power.log'), 'utf8').trim().split('\n').pop()!, /boot order: disk, network/);
    assert.deepEqual(fs.readdirSync(stack.data.dhcpHostsDir), [], 'no provisioning DHCP entry left for an active node');

    t = Date.now();
    const un = await baremetal(stack.url, ['node', 'undeploy', 'vm-0', '--wait', '600'], {}, 660_000);
    timings.undeployWithCleaning = Date.now() - t;
    assert.equal(un.code, 0, un.stderr);
    const after = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(after.provision_state, 'available');
    assert.deepEqual(after.instance_info, {});
    assert.equal(after.power_state, 'power off');
    assert.equal(qemuAlive(vm.nodeDir), false, 'the VM is off');
    assert.ok(readDisk(vm.diskPath, MiB).equals(Buffer.alloc(MiB)), 'cleaning erased the disk metadata');
  });

  test('lab down removes the VM, its BMC, dnsmasq, the relay, the namespace, veth and tap; twice is fine', async () => {
    const st = state!;
    const pids = [...st.vm!.processes.map((p) => p.pid)];
    const down = await labCli(['down', '--dir', labDir, '--api', stack.url], cliEnv);
    assert.equal(down.code, 0, down.stderr);
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
    assert.equal(qemuAlive(st.vm!.nodes[0]!.nodeDir), false);
    const net = st.vm!.network;
    assert.doesNotMatch(await namespaces(), new RegExp(`^${net.namespace}\\b`, 'm'));
    const l = await links();
    assert.ok(!l.includes(net.hostVeth) && !l.includes(net.tapPrefix), `no lab link left:\n${l}`);
    assert.equal((await api(stack, 'GET', '/v1/nodes/vm-0')).status, 404, 'down deleted the enrolled node');
    const again = await labCli(['down', '--dir', labDir], cliEnv);
    assert.equal(again.code, 0, again.stderr);
  });
});
