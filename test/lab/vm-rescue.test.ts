// Rescue mode on a real VM (the VM lab: QEMU behind an ipmi_sim BMC, dnsmasq on a provisioning
// network, the deploy ramdisk of ramdisk/build.sh), through the real `baremetal` CLI: deploy the
// demo OS (iscsi, a config drive with an SSH key) and log in; `node rescue --rescue-password`: the VM
// PXE-boots the ramdisk in rescue mode, which takes the password's hash over its callback and starts
// dropbear; log in as `rescue` with the password (OpenSSH through SSH_ASKPASS: the password is in no
// argv) and read the deployed disk's first bytes from there; `node unrescue`: the VM boots its disk
// again and the demo OS lets us in with the key. The disk never changes.
//
// Needs root (namespaces, taps), qemu-system-x86_64, dnsmasq, ipmi_sim; slow under TCG:
// IRONFLOW_VM_TESTS=0 skips it.
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
import { waitFor } from '../support/procs';
import { buildDemoOs, sshDemoOs } from './demo-os-vm';
import { startImageServer, type ImageServer } from './image-server';
import { readLabState, type LabState } from './lab-state';
import { vmLabWorkerEnv } from './vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';

const skip = vmLabSkipReason(['/usr/lib/PXELINUX/pxelinux.0']);

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

function sha256Head(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(bytes);
    fs.readSync(fd, b, 0, bytes, 0);
    return crypto.createHash('sha256').update(b).digest('hex');
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs `command` as `rescue` over SSH with a password: OpenSSH asks SSH_ASKPASS, which reads it from its environment. */
async function sshRescue(host: string, askpass: string, password: string, command: string): Promise<string> {
  const r = await runCommand({
    file: 'ssh',
    args: [
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      'ConnectTimeout=20',
      '-o',
      'LogLevel=ERROR',
      `rescue@${host}`,
      command,
    ],
    env: { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: 'none' },
    secretEnv: { IRONFLOW_TEST_RESCUE_PASSWORD: password },
    timeoutMs: 60_000,
  });
  return r.stdout.trim();
}

describe('VM lab: rescue a deployed VM, log in to its rescue ramdisk, unrescue', { skip }, () => {
  let stack: TestStack;
  let images: ImageServer;
  let work: string;
  let labDir: string;
  let cliEnv: Record<string, string>;
  let state: LabState | undefined;
  let key: string;
  let askpass: string;
  const password = `Vm-${crypto.randomBytes(12).toString('base64url')}`;

  before(async () => {
    const { kernel, initrd } = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-rescue-'));
    labDir = path.join(work, 'lab');
    const rawFile = await buildDemoOs();
    key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', 'vm-rescue', '-f', key] });
    askpass = path.join(work, 'askpass.sh');
    fs.writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$IRONFLOW_TEST_RESCUE_PASSWORD"\n', { mode: 0o700 });
    const qcow = path.join(work, 'demo-os.qcow2');
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', rawFile, qcow], timeoutMs: 120_000 });
    images = await startImageServer();
    images.images.set('demo-os.qcow2', { data: fs.readFileSync(qcow) });
    stack = await startStack({
      automatedClean: 'none',
      callbackTimeoutSec: 600,
      data: (apiPort) => ({
        callbackBase: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_CALLBACK_URL!,
        httpBootUrl: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_HTTP_BOOT_URL,
        deployKernel: kernel,
        deployRamdisk: initrd,
        ramdiskAppend: 'console=ttyS0,115200',
      }),
    });
    cliEnv = { IRONFLOW_BOOT_ROOT: stack.data.bootRoot, IRONFLOW_DHCP_HOSTS_DIR: stack.data.dhcpHostsDir, IRONFLOW_DATA_DIR: work };
    const up = await labCli(['up', '--vms', '1', '--dir', labDir, '--api', stack.url], cliEnv);
    assert.equal(up.code, 0, `${up.stdout}\n${up.stderr}`);
    state = readLabState(labDir);
  });

  after(async () => {
    if (labDir && readLabState(labDir)) await labCli(['down', '--dir', labDir, '--api', stack.url], cliEnv);
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('deploy the demo OS; rescue: ssh as rescue with the password, the disk read from there; unrescue: the OS again', async () => {
    const vm = state!.vm!.nodes[0]!;
    const qcow = images.images.get('demo-os.qcow2')!.data as Buffer;
    const set = await baremetal(stack.url, [
      'node',
      'set',
      'vm-0',
      '--deploy-interface',
      'iscsi',
      '--rescue-interface',
      'agent',
      '--instance-info',
      `image_source=${images.url('demo-os.qcow2')}`,
      '--instance-info',
      `image_checksum=sha256:${crypto.createHash('sha256').update(qcow).digest('hex')}`,
    ]);
    assert.equal(set.code, 0, set.stderr);
    const drive = { meta_data: { hostname: 'rescued-vm', public_keys: { tenant: fs.readFileSync(`${key}.pub`, 'utf8').trim() } } };
    // With automated cleaning off, the VM has not run yet: no console log until its first power on.
    const consoleAll = () => (fs.existsSync(vm.console) ? fs.readFileSync(vm.console, 'utf8') : '');
    const consoleText = (from: number) => consoleAll().slice(from);
    let from = consoleAll().length;
    const dep = await baremetal(
      stack.url,
      ['node', 'deploy', 'vm-0', '--config-drive', JSON.stringify(drive), '--wait', '900'],
      {},
      960_000,
    );
    assert.equal(dep.code, 0, `${dep.stderr}\nconsole:\n${consoleText(from).slice(-2000)}`);
    await waitFor(async () => /ironflow-demo-os: ready hostname=rescued-vm/.test(consoleText(from)) || undefined, 300_000, 'the demo OS');
    assert.equal(await sshDemoOs(22, key, 'hostname', vm.ip), 'rescued-vm');
    const head = sha256Head(vm.diskPath, 1024 * 1024);

    from = consoleAll().length;
    const t0 = Date.now();
    const rescue = await baremetal(stack.url, ['node', 'rescue', 'vm-0', '--rescue-password', password, '--wait', '900'], {}, 960_000);
    assert.equal(rescue.code, 0, `${rescue.stderr}\nconsole:\n${consoleText(from).slice(-2000)}`);
    console.log(`# rescue --wait: ${Date.now() - t0} ms`);
    const n = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(n.provision_state, 'rescue');
    assert.match(consoleText(from), /SSH server \(dropbear\) on port 22/);
    // In the rescue ramdisk, as `rescue` with the password: the deployed disk is there, untouched.
    assert.equal(await sshRescue(vm.ip, askpass, password, 'echo "$USER"; id -u'), 'rescue\n0');
    assert.equal(await sshRescue(vm.ip, askpass, password, 'head -c 1048576 /dev/vda | sha256sum | cut -d " " -f 1'), head);
    // A wrong password is refused.
    await assert.rejects(sshRescue(vm.ip, askpass, `${password}-wrong`, 'true'));
    assert.ok(!consoleAll().includes(password), 'the password is not on the console');

    from = consoleAll().length;
    const un = await baremetal(stack.url, ['node', 'unrescue', 'vm-0', '--wait', '900'], {}, 960_000);
    assert.equal(un.code, 0, un.stderr);
    const after = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(after.provision_state, 'active');
    assert.equal(after.instance_info.hashed_rescue_password, undefined);
    await waitFor(
      async () => /ironflow-demo-os: ready hostname=rescued-vm/.test(consoleText(from)) || undefined,
      300_000,
      'the demo OS again',
    );
    assert.equal(await sshDemoOs(22, key, 'hostname', vm.ip), 'rescued-vm');
    assert.equal(sha256Head(vm.diskPath, 1024 * 1024), head, 'rescue and unrescue left the disk alone');
  });
});
