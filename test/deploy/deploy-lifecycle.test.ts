// The mission end to end, against real parts: the Temporal dev server, the lab's
// ipmi_sim BMCs and simulated servers PXE-booting over real TFTP, the deploy
// ramdisk exporting the disk with tgtd, qemu-img writing over iSCSI, the image
// served over HTTP. enroll → manage → provide → deploy → active → undeploy → available.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { startImageServer, type ImageServer } from '../lab/image-server';

const MiB = 1024 * 1024;

function sha256(b: Buffer): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function readDisk(node: LabNode, bytes: number): Buffer {
  const fd = fs.openSync(node.diskPath, 'r');
  try {
    const b = Buffer.alloc(bytes);
    fs.readSync(fd, b, 0, bytes, 0);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

async function state(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

async function settle(stack: TestStack, id: string, want: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(
    async () => {
      const n = await state(stack, id);
      if (n.provision_state === want && n.target_provision_state === null) return n;
      if (n.target_provision_state === null && n.provision_state !== want) throw new Error(`node is ${n.provision_state}: ${n.last_error}`);
      return undefined;
    },
    timeoutMs,
    want,
  );
}

async function act(stack: TestStack, id: string, target: string): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
  assert.equal(r.status, 202, r.text);
}

describe('deploy lifecycle on lab nodes', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  const raw = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'lifecycle raw' });
  const qcowSource = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'lifecycle qcow2' });
  let qcow: Buffer;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-deploy-'));
    fs.writeFileSync(path.join(work, 'src.raw'), qcowSource);
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', path.join(work, 'src.raw'), path.join(work, 'img.qcow2')],
    });
    qcow = fs.readFileSync(path.join(work, 'img.qcow2'));
    images = await startImageServer();
    images.images.set('raw.img', { data: raw });
    images.images.set('disk.qcow2', { data: qcow });
    stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 2,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 64 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function enroll(node: LabNode, deployInterface: string, image: string, digest: string): Promise<string> {
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: node.name,
      deploy_interface: deployInterface,
      driver_info: {
        ipmi_address: node.bmc.address,
        ipmi_port: node.bmc.port,
        ipmi_username: node.bmc.username,
        ipmi_password: node.bmc.password,
      },
      instance_info: { image_source: images.url(image), image_checksum: `sha256:${digest}` },
      properties: { local_gb: 1 },
    });
    assert.equal(r.status, 201, r.text);
    const p = await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: r.body.uuid });
    assert.equal(p.status, 201, p.text);
    await act(stack, r.body.uuid, 'manage');
    await settle(stack, r.body.uuid, 'manageable');
    return r.body.uuid;
  }

  test('iscsi mode, qcow2 image: provide (metadata erase) → deploy → active; the disk equals the image; undeploy erases it', async () => {
    const node = lab.nodes[0]!;
    fs.writeFileSync(node.diskPath, Buffer.from('old data from a previous tenant'.repeat(1000)), { flag: 'r+' });
    const id = await enroll(node, 'iscsi', 'disk.qcow2', sha256(qcow));
    await act(stack, id, 'provide');
    await settle(stack, id, 'available');
    assert.ok(readDisk(node, MiB).equals(Buffer.alloc(MiB)), 'automated cleaning erased the first MiB');
    const hist = (await api(stack, 'GET', `/v1/nodes/${id}/history`)).body.history;
    assert.ok(
      hist.some((h: any) => /Erase record: .*"mode":"metadata".*"verified":true/.test(h.event)),
      'an erase record',
    );

    const t0 = Date.now();
    await act(stack, id, 'active');
    const during = await state(stack, id);
    assert.equal(during.target_provision_state, 'active');
    const done = await settle(stack, id, 'active');
    console.log(`# deploy (iscsi, 8 MiB qcow2) took ${Date.now() - t0} ms`);
    assert.equal(done.last_error, null);
    assert.equal(done.power_state, 'power on', 'the recorded power state follows the BMC');
    assert.equal(done.boot_mode, 'bios', 'booted in the default mode (no capability, no deploy_boot_mode)');
    assert.ok(readDisk(node, 8 * MiB).equals(qcowSource), 'the disk holds the converted image byte for byte');
    await waitFor(async () => node.readBoot()?.source === 'disk', 30_000, 'boot from disk');
    assert.equal(node.readBoot()?.marker, 'lifecycle qcow2');
    assert.equal(node.power(), 'on');

    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    assert.equal(op.kind, 'deploy');
    assert.equal(op.status, 'succeeded');
    const names = op.steps.map((s: any) => s.name);
    for (const want of [
      'cache the image',
      'boot the deploy ramdisk',
      'wait for the ramdisk',
      'write the image over iSCSI',
      'verify the written image',
      'boot from the installed image',
    ]) {
      assert.ok(names.includes(want), `step ${want}`);
    }
    assert.ok(op.steps.every((s: any) => s.status === 'done' && s.started_at && s.ended_at));
    assert.equal(op.bytes_total, 8 * MiB);
    // Every step's start and end is in the audit history, with who asked and the request id.
    const audit = (await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body.history.filter(
      (h: any) => h.event_type === 'deploy',
    );
    assert.ok(audit.some((h: any) => h.event === 'deploy: step "write the image over iSCSI" started'));
    assert.ok(audit.some((h: any) => /^deploy: step "write the image over iSCSI" done in/.test(h.event)));
    assert.ok(audit.every((h: any) => h.user === 'anonymous@loopback' && /^req-/.test(h.request_id)));

    await act(stack, id, 'deleted');
    await settle(stack, id, 'available');
    assert.ok(readDisk(node, MiB).equals(Buffer.alloc(MiB)), 'undeploy cleaned the disk');
    assert.equal(node.power(), 'off');
    const files = fs.readdirSync(path.join(stack.data.bootRoot, 'pxelinux.cfg'));
    assert.deepEqual(files, [], 'no boot config left behind');
  });

  test('direct mode, raw image: the ramdisk pulls the image from our image server and verifies it', async () => {
    const node = lab.nodes[1]!;
    const id = await enroll(node, 'direct', 'raw.img', sha256(raw));
    await api(stack, 'PATCH', `/v1/nodes/${id}`, [
      { op: 'add', path: '/automated_clean', value: false },
      { op: 'add', path: '/properties/capabilities', value: 'boot_mode:uefi' },
    ]);
    await act(stack, id, 'provide');
    await settle(stack, id, 'available');
    assert.equal((await state(stack, id)).boot_mode, null, 'not booted by Ironflow yet');
    await act(stack, id, 'active');
    const done = await settle(stack, id, 'active');
    assert.equal(done.boot_mode, 'uefi', 'booted in the mode of its capability');
    assert.ok(readDisk(node, 8 * MiB).equals(raw), 'the disk holds the image byte for byte');
    await waitFor(async () => node.readBoot()?.marker === 'lifecycle raw', 30_000, 'boot from disk');
  });

  test('the other two combinations: raw over iSCSI, qcow2 pulled in direct mode', async () => {
    const node = lab.nodes[1]!;
    const id = (await state(stack, node.name)).uuid;
    for (const [iface, image, digest, bytes] of [
      ['iscsi', 'raw.img', sha256(raw), raw],
      ['direct', 'disk.qcow2', sha256(qcow), qcowSource],
    ] as const) {
      await act(stack, id, 'deleted');
      await settle(stack, id, 'available');
      await api(stack, 'PATCH', `/v1/nodes/${id}`, [
        { op: 'replace', path: '/deploy_interface', value: iface },
        { op: 'add', path: '/instance_info/image_source', value: images.url(image) },
        { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${digest}` },
      ]);
      await act(stack, id, 'active');
      await settle(stack, id, 'active');
      assert.ok(readDisk(node, 8 * MiB).equals(bytes), `${iface} + ${image}: the disk holds the image`);
    }
  });

  test('a wrong checksum fails the deploy: nothing written, powered off, boot configs removed', async () => {
    const node = lab.nodes[1]!;
    const id = (await state(stack, node.name)).uuid;
    await act(stack, id, 'deleted');
    await settle(stack, id, 'available');
    const before = readDisk(node, 8 * MiB);
    // Undeploy cleared instance_info (as Ironic's): the image again, with a wrong checksum.
    await api(stack, 'PATCH', `/v1/nodes/${id}`, [
      { op: 'add', path: '/instance_info/image_source', value: images.url('disk.qcow2') },
      { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${'0'.repeat(64)}` },
    ]);
    await act(stack, id, 'active');
    const failed = await waitFor(
      async () => {
        const n = await state(stack, id);
        return n.provision_state === 'deploy failed' ? n : undefined;
      },
      60_000,
      'deploy failed',
    );
    assert.match(failed.last_error, /checksum/i);
    assert.ok(readDisk(node, 8 * MiB).equals(before), 'nothing was written');
    assert.equal(node.power(), 'off');
    assert.deepEqual(fs.readdirSync(path.join(stack.data.bootRoot, 'pxelinux.cfg')), []);
  });

  test('deploy without an image source is refused before anything happens', async () => {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', automated_clean: false, driver_info: { ipmi_address: '127.0.0.1' } });
    const id = r.body.uuid;
    await act(stack, id, 'manage');
    await settle(stack, id, 'manageable');
    await act(stack, id, 'provide');
    await settle(stack, id, 'available');
    const d = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    assert.equal(d.status, 400);
    assert.match(faultOf(d.body), /Failed to validate deploy or power info .* instance_info\.image_source is not set/);
    assert.equal((await state(stack, id)).provision_state, 'available');
  });
});
