// Virtual-media deploy end to end on the VM lab: the real stack, `npm run lab -- up --vms 1
// --bmc redfish` (the VM enrolled with driver redfish behind the lab's Redfish BMC, QEMU
// backend), the real `baremetal` CLI. The node gets boot_interface redfish-virtual-media and
// a static deploy address (driver_info.deploy_ip_address); the lab's DHCP ignores the VM while
// its ramdisk boots from the deploy ISO in the virtual CD. The demo OS is written over iSCSI
// with a config drive; the CD is ejected and the ISO removed; the VM boots its disk (DHCP back
// on) and the test logs in over SSH with the drive's key; undeploy.
// ~3 min under TCG (load 13 on 2 cores): in npm test; IRONFLOW_VM_TESTS=0 skips it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand, toolEnv } from '#activities/shared/command-runner';
import { renderDnsmasqHost } from '#activities/pxe';
import { api, startStack, type TestStack } from '../support/stack';
import { baremetal } from '../support/baremetal';
import { startWorkerProcess } from '../faults/fault-kit';
import { waitFor, type Proc } from '../support/procs';
import { buildDemoOs, sshDemoOs } from './demo-os-vm';
import { startImageServer, type ImageServer } from './image-server';
import { readLabState } from './lab-state';
import { vmLabWorkerEnv } from './vm-lab';
import { buildDeployRamdisk, vmLabSkipReason } from './vm-prerequisites';

// In npm test like vm-lab.test.ts (~3 min under TCG on a loaded machine); IRONFLOW_VM_TESTS=0 skips it.
const skip = vmLabSkipReason(['/usr/lib/ISOLINUX/isolinux.bin', '/usr/lib/grub/x86_64-efi']);

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

describe('VM lab, Redfish virtual media: deploy without DHCP for the ramdisk, ssh, undeploy', { skip }, () => {
  let stack: TestStack;
  let images: ImageServer;
  let work: string;
  let labDir: string;
  let cliEnv: Record<string, string>;
  let key: string;
  let worker: Proc | undefined;

  before(async () => {
    const { kernel, initrd } = await buildDeployRamdisk();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-vmedia-deploy-'));
    labDir = path.join(work, 'lab');
    const rawFile = await buildDemoOs();
    key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', 'vmedia-tenant', '-f', key] });
    const qcow = path.join(work, 'demo-os.qcow2');
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', rawFile, qcow], timeoutMs: 120_000 });
    images = await startImageServer();
    images.images.set('demo-os.qcow2', { data: fs.readFileSync(qcow) });
    stack = await startStack({
      automatedClean: 'none',
      callbackTimeoutSec: 600,
      worker: false,
      data: (apiPort) => ({
        callbackBase: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_CALLBACK_URL!,
        httpBootUrl: vmLabWorkerEnv(labDir, apiPort, 0).IRONFLOW_HTTP_BOOT_URL,
        deployKernel: kernel,
        deployRamdisk: initrd,
        ramdiskAppend: 'console=ttyS0,115200',
      }),
    });
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker.log') });
    cliEnv = { IRONFLOW_BOOT_ROOT: stack.data.bootRoot, IRONFLOW_DHCP_HOSTS_DIR: stack.data.dhcpHostsDir, IRONFLOW_DATA_DIR: work };
  });

  after(async () => {
    if (labDir && readLabState(labDir)) await labCli(['down', '--dir', labDir, '--keep-nodes'], cliEnv);
    await worker?.stop();
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('enroll with driver redfish, deploy from the virtual CD with DHCP off, ssh with the config-drive key, undeploy', async () => {
    const up = await labCli(['up', '--vms', '1', '--bmc', 'redfish', '--dir', labDir, '--api', stack.url], cliEnv);
    assert.equal(up.code, 0, up.stderr);
    const vm = readLabState(labDir)!.vm!.nodes[0]!;
    assert.ok(vm.redfish, 'the VM has a Redfish BMC');
    const status = JSON.parse((await labCli(['status', '--json', '--dir', labDir], cliEnv)).stdout) as Record<string, any>[];
    assert.equal(status[0]!.redfish.address, vm.redfish!.address);
    assert.doesNotMatch(JSON.stringify(status), new RegExp(fs.readFileSync(vm.redfish!.passwordFile, 'utf8').trim()));
    const node = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(node.driver, 'redfish');
    assert.equal(node.provision_state, 'available');

    const qcow = images.images.get('demo-os.qcow2')!.data as Buffer;
    const set = await baremetal(stack.url, [
      ...['node', 'set', 'vm-0', '--boot-interface', 'redfish-virtual-media', '--deploy-interface', 'iscsi'],
      ...['--driver-info', `deploy_ip_address=${vm.ip}/24`],
      ...['--instance-info', `image_source=${images.url('demo-os.qcow2')}`],
      ...['--instance-info', `image_checksum=sha256:${crypto.createHash('sha256').update(qcow).digest('hex')}`],
    ]);
    assert.equal(set.code, 0, set.stderr);
    // The lab's DHCP off for this VM while its ramdisk boots.
    const noDhcp = path.join(stack.data.dhcpHostsDir, 'vmedia-test-ignore');
    fs.mkdirSync(stack.data.dhcpHostsDir, { recursive: true });
    fs.writeFileSync(noDhcp, renderDnsmasqHost(vm.mac, { ignore: true }));
    const pub = fs.readFileSync(`${key}.pub`, 'utf8').trim();
    const drive = { meta_data: { hostname: 'vmedia-vm', public_keys: { tenant: pub } } };
    // The VM has not been powered on yet (no cleaning): its console log may not exist.
    const consoleFrom = fs.existsSync(vm.console) ? fs.statSync(vm.console).size : 0;
    const consoleText = () => (fs.existsSync(vm.console) ? fs.readFileSync(vm.console, 'utf8').slice(consoleFrom) : '');
    const dnsmasqLog = path.join(labDir, 'net', 'dnsmasq.log');
    const logFrom = fs.statSync(dnsmasqLog).size;
    const deploying = baremetal(
      stack.url,
      ['node', 'deploy', 'vm-0', '--config-drive', JSON.stringify(drive), '--wait', '900'],
      {},
      960_000,
    );

    // The ramdisk comes up on its static address and calls back: then DHCP back on for the deployed OS.
    // (deploying → wait call-back while the ramdisk boots → deploying once it called back.)
    await waitFor(
      async () => (await api(stack, 'GET', '/v1/nodes/vm-0')).body.provision_state === 'wait call-back',
      300_000,
      'the deploy to wait for its ramdisk',
    );
    await waitFor(
      async () => (await api(stack, 'GET', '/v1/nodes/vm-0')).body.provision_state !== 'wait call-back',
      600_000,
      'the ramdisk to call back',
    );
    assert.match(consoleText(), new RegExp(`network: \\S+ ${vm.ip.replace(/\./g, '\\.')}/24 \\(static\\)`));
    assert.doesNotMatch(fs.readFileSync(dnsmasqLog, 'utf8').slice(logFrom), new RegExp(`DHCPACK\\S* \\S+ ${vm.mac}`, 'i'), 'no lease');
    assert.match(fs.readFileSync(path.join(vm.nodeDir, 'power.log'), 'utf8'), /boot order: cdrom, disk, network/);
    fs.rmSync(noDhcp);

    const dep = await deploying;
    assert.equal(dep.code, 0, `${dep.stderr}\nconsole:\n${consoleText().slice(-2000)}`);
    const n = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(n.provision_state, 'active');
    assert.equal(n.last_error, null);
    assert.equal(fs.existsSync(path.join(vm.nodeDir, 'vmedia-cd.iso')), false, 'the CD was ejected');
    assert.deepEqual(
      fs.readdirSync(path.join(work, 'vmedia')).filter((f) => f.endsWith('.iso')),
      [],
      "the ISO (it holds the deployment secret) is gone from the worker process's <data dir>/vmedia",
    );
    assert.match(fs.readFileSync(path.join(vm.nodeDir, 'power.log'), 'utf8').trim().split('\n').pop()!, /boot order: disk, network/);
    const ready = await waitFor(
      async () => /ironflow-demo-os: ready hostname=(\S+) ip=(\S+)/.exec(consoleText()) ?? undefined,
      300_000,
      'the demo OS to be ready',
    );
    assert.deepEqual([ready[1], ready[2]], ['vmedia-vm', vm.ip]);
    assert.equal(await sshDemoOs(22, key, 'hostname', vm.ip), 'vmedia-vm');

    const un = await baremetal(stack.url, ['node', 'undeploy', 'vm-0', '--wait', '900'], {}, 960_000);
    assert.equal(un.code, 0, un.stderr);
    const done = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
    assert.equal(done.provision_state, 'available');
    assert.equal(done.power_state, 'power off');
  });
});
