// The whole path a user takes with the bootable demo OS: deploy its qcow2 through the API (iscsi, with a JSON
// configdrive) onto a lab node (ipmi_sim BMC, PXE over TFTP, the deploy ramdisk exporting the disk with
// tgtd), then boot the node's disk in a real VM (BIOS) and log in with the drive's key: the OS found the
// config-2 partition Ironflow appended at the end of the disk, took its host name and ran its user_data.
// Slow (a kernel boots): runs only with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab } from './lab';
import { startImageServer, type ImageServer } from './image-server';
import { bootDemoOs, buildDemoOs, sshDemoOs, type DemoVm } from './demo-os-vm';

const MiB = 1024 * 1024;
const DISK = 96 * MiB;
const enabled = process.env.IRONFLOW_VM_TESTS === '1';

async function show(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

async function settle(stack: TestStack, id: string, want: string): Promise<any> {
  const n = await waitFor(
    async () => {
      const n = await show(stack, id);
      return n.target_provision_state === null || /failed$/.test(n.provision_state) ? n : undefined;
    },
    300_000,
    `node ${id} to settle`,
  );
  assert.equal(n.provision_state, want, `node is ${n.provision_state}: ${n.last_error}`);
  return n;
}

async function act(stack: TestStack, id: string, body: Record<string, unknown>): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, body);
  assert.equal(r.status, 202, r.text);
}

describe('deploy the bootable demo OS, then boot the disk', { skip: enabled ? false : 'set IRONFLOW_VM_TESTS=1 (boots a VM)' }, () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let key: string;
  let vm: DemoVm | undefined;

  before(async () => {
    const raw = await buildDemoOs();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-demo-os-deploy-'));
    key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', 'demo-os-deploy', '-f', key] });
    const qcow = path.join(work, 'demo-os.qcow2');
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow], timeoutMs: 120_000 });
    images = await startImageServer();
    images.images.set('demo-os.qcow2', { data: fs.readFileSync(qcow) });
    stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: DISK,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
  });
  after(async () => {
    await vm?.proc.stop(2000);
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('iscsi deploy of the qcow2 with a JSON configdrive; the deployed disk boots and takes the drive', async () => {
    const node = lab.nodes[0]!;
    const qcow = images.images.get('demo-os.qcow2')!.data;
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: node.name,
      deploy_interface: 'iscsi',
      automated_clean: false,
      driver_info: {
        ipmi_address: node.bmc.address,
        ipmi_port: node.bmc.port,
        ipmi_username: node.bmc.username,
        ipmi_password: node.bmc.password,
      },
      instance_info: {
        image_source: images.url('demo-os.qcow2'),
        image_checksum: `sha256:${crypto.createHash('sha256').update(qcow).digest('hex')}`,
      },
    });
    assert.equal(r.status, 201, r.text);
    const id: string = r.body.uuid;
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: id })).status, 201);
    await act(stack, id, { target: 'manage' });
    await settle(stack, id, 'manageable');
    await act(stack, id, { target: 'provide' });
    await settle(stack, id, 'available');
    const drive = {
      meta_data: { hostname: 'deployed-demo', public_keys: { default: fs.readFileSync(`${key}.pub`, 'utf8').trim() } },
      user_data: '#!/bin/sh\necho "deployed by ironflow" > /root/user-data-ran\n',
    };
    await act(stack, id, { target: 'active', configdrive: drive });
    await settle(stack, id, 'active');
    // The lab's disk boot found the image's marker line.
    const booted = await waitFor(async () => node.readBoot()?.marker, 60_000, 'the lab node to boot from its disk');
    assert.match(booted, /^bootable demo OS/);

    const disk = path.join(work, 'deployed.raw');
    fs.copyFileSync(node.diskPath, disk);
    const table = JSON.parse((await runCommand({ file: 'sfdisk', args: ['-J', disk] })).stdout).partitiontable;
    assert.deepEqual(
      table.partitions.map((p: any) => p.type),
      ['c', '83'],
    );
    vm = await bootDemoOs({ work, name: 'deployed', firmware: 'bios', disks: [disk] });
    console.log(`# deployed disk (${vm.accel}): power-on → ready line (SSH up): ${vm.ms} ms`);
    assert.equal(vm.hostname, 'deployed-demo');
    assert.equal(await sshDemoOs(vm.port, key, 'hostname'), 'deployed-demo');
    assert.equal(await sshDemoOs(vm.port, key, 'cat /root/user-data-ran'), 'deployed by ironflow');
    assert.match(fs.readFileSync(vm.consoleLog, 'utf8'), /first-boot: config drive: \/dev\/vda2/);
  });
});
