// The VM lab end to end against real parts: the real stack (Temporal, database,
// API, a worker in its own process), `npm run lab -- up --vms 1` (a network
// namespace, a bridge, dnsmasq serving DHCP + TFTP from the stack's boot root and
// reading its dhcp-hostsdir, a QEMU VM behind an ipmi_sim BMC, the relay to the
// API), the real `baremetal` CLI. The VM PXE-boots the deploy ramdisk
// (ramdisk/build.sh) for cleaning on provide, for the iSCSI deploy and for
// cleaning on undeploy. What it deploys is the bootable demo OS (demo-os/) with a
// config drive: the VM then boots its own disk into that OS, which takes the
// drive's host name and SSH key, and the test logs in over the lab network. The
// worker is killed -9 while the VM boots its ramdisk; a new one finishes the deploy.
//
// Needs root (namespaces, taps), qemu-system-x86_64, dnsmasq, ipmi_sim; slow
// under TCG (~5-7 min): IRONFLOW_VM_TESTS=0 skips it.
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
import { killHard, startWorkerProcess } from '../faults/fault-kit';
import { waitFor, type Proc } from '../support/procs';
import { buildDemoOs, sshDemoOs } from './demo-os-vm';
import { startImageServer, type ImageServer } from './image-server';
import { isAlive } from './detached-process';
import { readLabState, type LabState } from './lab-state';
import { vmLabWorkerEnv } from './vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';
import { vmNetworkFor } from './vm-network';

const MiB = 1024 * 1024;

const missingPrerequisite = (): string | false => vmLabSkipReason(['/usr/lib/PXELINUX/pxelinux.0']);

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
  let key: string;
  let worker: Proc | undefined;
  const timings: Record<string, number> = {};

  before(async () => {
    const { kernel, initrd } = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-lab-'));
    labDir = path.join(work, 'lab');
    const rawFile = await buildDemoOs();
    image = fs.readFileSync(rawFile);
    key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', 'vm-lab-tenant', '-f', key] });
    const qcow = path.join(work, 'demo-os.qcow2');
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', rawFile, qcow], timeoutMs: 120_000 });
    images = await startImageServer();
    images.images.set('demo-os.qcow2', { data: fs.readFileSync(qcow) });
    stack = await startStack({
      automatedClean: 'metadata',
      callbackTimeoutSec: 600,
      worker: false,
      // The operation view shows the VM's console (labDir/<vm>/console.log).
      app: { consoleLogDir: labDir },
      // What `npm start` does for a VM lab: the ramdisk calls back through the lab's relay.
      data: (apiPort) => ({
        callbackBase: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_CALLBACK_URL!,
        httpBootUrl: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_HTTP_BOOT_URL,
        deployKernel: kernel,
        deployRamdisk: initrd,
        ramdiskAppend: 'console=ttyS0,115200',
      }),
    });
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-1.log') });
    cliEnv = {
      IRONFLOW_BOOT_ROOT: stack.data.bootRoot,
      IRONFLOW_DHCP_HOSTS_DIR: stack.data.dhcpHostsDir,
      IRONFLOW_DATA_DIR: work,
    };
  });

  after(async () => {
    // Whatever a failed test left: the lab by its state, then the stack.
    if (labDir && readLabState(labDir)) await labCli(['down', '--dir', labDir, '--keep-nodes'], cliEnv);
    await worker?.stop();
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

  test('deploy the demo OS with a config drive (iscsi), worker killed -9 meanwhile: active, the VM boots it, ssh with the key; undeploy erases', async () => {
    const vm = state!.vm!.nodes[0]!;
    fs.writeFileSync(vm.diskPath, Buffer.from('old tenant data '.repeat(4096)), { flag: 'r+' });
    const qcow = images.images.get('demo-os.qcow2')!.data as Buffer;
    const set = await baremetal(stack.url, [
      'node',
      'set',
      'vm-0',
      '--deploy-interface',
      'iscsi',
      '--instance-info',
      `image_source=${images.url('demo-os.qcow2')}`,
      '--instance-info',
      `image_checksum=sha256:${crypto.createHash('sha256').update(qcow).digest('hex')}`,
    ]);
    assert.equal(set.code, 0, set.stderr);
    const pub = fs.readFileSync(`${key}.pub`, 'utf8').trim();
    const drive = {
      meta_data: { hostname: 'tenant-vm', public_keys: { tenant: pub } },
      user_data: '#!/bin/sh\necho "user data ran" > /root/user-data.txt\n',
    };
    const consoleFrom = fs.statSync(vm.console).size;
    let t = Date.now();
    const deploying = baremetal(
      stack.url,
      ['node', 'deploy', 'vm-0', '--config-drive', JSON.stringify(drive), '--wait', '900'],
      {},
      960_000,
    );

    // While the VM boots its ramdisk: the operation shows its console; then kill -9 the worker and start another.
    await waitFor(
      async () => (await api(stack, 'GET', '/v1/nodes/vm-0')).body.provision_state === 'wait call-back',
      300_000,
      'vm-0 to wait for its ramdisk',
    );
    const op = await waitFor(
      async () => {
        const o = (await api(stack, 'GET', '/v1/nodes/vm-0/operation')).body;
        return o.console?.lines?.length ? o : undefined;
      },
      120_000,
      'console lines in the operation view',
    );
    assert.equal(op.console.source, 'console log');
    await killHard(worker!);
    timings.workerKilledAfter = Date.now() - t;
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker-2.log') });

    const dep = await deploying;
    timings.deployIscsiWithDrive = Date.now() - t;
    const consoleText = () => fs.readFileSync(vm.console, 'utf8').slice(consoleFrom);
    assert.equal(dep.code, 0, `${dep.stderr}\nconsole:\n${consoleText().slice(-2000)}`);
    const n = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(n.provision_state, 'active');
    assert.equal(n.last_error, null);
    assert.equal(n.boot_mode, 'bios', 'the mode Ironflow booted it in');
    const disk = readDisk(vm.diskPath, image.length);
    // The image, byte for byte, but for the partition entries of sector 0 (the config drive was added there).
    assert.ok(
      disk.subarray(0, 446).equals(image.subarray(0, 446)) && disk.subarray(512).equals(image.subarray(512)),
      'the image is on the disk',
    );
    assert.equal(qemuAlive(vm.nodeDir), true, 'the VM was powered on to boot from its disk');
    assert.match(fs.readFileSync(path.join(vm.nodeDir, 'power.log'), 'utf8').trim().split('\n').pop()!, /boot order: disk, network/);
    assert.deepEqual(fs.readdirSync(stack.data.dhcpHostsDir), [], 'no provisioning DHCP entry left for an active node');

    // The deployed OS comes up from the VM's own disk, with the drive's host name and key.
    const ready = await waitFor(
      async () => /ironflow-demo-os: ready hostname=(\S+) ip=(\S+)/.exec(consoleText()) ?? undefined,
      300_000,
      'the demo OS to be ready',
    );
    timings.activeToSsh = Date.now() - t - timings.deployIscsiWithDrive;
    assert.deepEqual([ready[1], ready[2]], ['tenant-vm', vm.ip]);
    assert.equal(await sshDemoOs(22, key, 'hostname', vm.ip), 'tenant-vm');
    assert.equal(await sshDemoOs(22, key, 'cat /root/user-data.txt', vm.ip), 'user data ran');
    assert.equal(await sshDemoOs(22, key, 'test -d /sys/firmware/efi && echo uefi || echo bios', vm.ip), 'bios');
    // The worker that was killed never came back: one worker finished the deploy, one ramdisk boot.
    const hist = (await api(stack, 'GET', '/v1/nodes/vm-0/history?detail=True')).body.history.map((h: any) => h.event as string);
    assert.equal(hist.filter((e: string) => /no callback: PXE boot again/.test(e)).length, 0, 'no PXE retry');

    t = Date.now();
    const un = await baremetal(stack.url, ['node', 'undeploy', 'vm-0', '--wait', '900'], {}, 960_000);
    timings.undeployWithCleaning = Date.now() - t;
    assert.equal(un.code, 0, un.stderr);
    const after = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(after.provision_state, 'available');
    assert.deepEqual(after.instance_info, {});
    assert.equal(after.instance_uuid, null);
    assert.equal(after.power_state, 'power off');
    assert.equal(qemuAlive(vm.nodeDir), false, 'the VM is off');
    assert.ok(readDisk(vm.diskPath, MiB).equals(Buffer.alloc(MiB)), 'cleaning erased the disk metadata');
    const size = fs.statSync(vm.diskPath).size;
    const fd = fs.openSync(vm.diskPath, 'r');
    const tail = Buffer.alloc(66 * MiB);
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    fs.closeSync(fd);
    assert.ok(
      tail.every((b) => b === 0),
      'the config drive at the end of the disk is erased too',
    );
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
