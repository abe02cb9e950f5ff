// driver_info.deploy_kernel/deploy_ramdisk as http(s) URLs (how metal3 and
// devstack-style setups enroll nodes), on lab nodes with the whole stack: the
// worker fetches them into its image cache the first time a boot needs them
// (cleaning here), the boot root gets copies under their content hashes, a
// second boot (the deploy) fetches nothing, and a URL that answers 404 fails the
// operation with a last_error that names the field and the URL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { startImageServer, type ImageServer } from '../lab/image-server';

const MiB = 1024 * 1024;

function sha256(b: Buffer | string): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

async function state(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

/** Waits until the node rests (no target); returns it whatever state it rests in. */
async function rest(stack: TestStack, id: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(
    async () => {
      const n = await state(stack, id);
      return n.target_provision_state === null && !/ing$|wait$/.test(n.provision_state) ? n : undefined;
    },
    timeoutMs,
    `node ${id} at rest`,
  );
}

async function act(stack: TestStack, id: string, target: string): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
  assert.equal(r.status, 202, r.text);
}

describe('deploy_kernel/deploy_ramdisk given as http URLs', () => {
  let stack: TestStack;
  let lab: Lab;
  let files: ImageServer;
  let work: string;
  // The lab's simulated servers only read the kernel command line: any bytes do as kernel and ramdisk.
  const kernel = Buffer.from('deploy kernel served over http\n'.repeat(100));
  const ramdisk = Buffer.from('deploy ramdisk served over http\n'.repeat(300));
  const image = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'kernel-url image' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kernel-url-'));
    files = await startImageServer();
    files.images.set('ipa.kernel', { data: kernel });
    files.images.set('ipa.initramfs', { data: ramdisk });
    files.images.set('disk.raw', { data: image });
    stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 2,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 16 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await files?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function enroll(node: LabNode, deployKernel: string, deployRamdisk: string): Promise<string> {
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: node.name,
      deploy_interface: 'direct',
      driver_info: {
        ipmi_address: node.bmc.address,
        ipmi_port: String(node.bmc.port),
        ipmi_username: node.bmc.username,
        ipmi_password: node.bmc.password,
        deploy_kernel: deployKernel,
        deploy_ramdisk: deployRamdisk,
      },
      instance_info: { image_source: files.url('disk.raw'), image_checksum: `sha256:${sha256(image)}` },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.driver_info.deploy_kernel, deployKernel, 'stored as given');
    const p = await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: r.body.uuid });
    assert.equal(p.status, 201, p.text);
    await act(stack, r.body.uuid, 'manage');
    assert.equal((await rest(stack, r.body.uuid)).provision_state, 'manageable');
    return r.body.uuid;
  }

  const fetches = (name: string) => files.served.filter((s) => s.name === name).length;

  test('cleaning boots the fetched ramdisk, the deploy reuses the cached copies without fetching again', async () => {
    const node = lab.nodes[0]!;
    const id = await enroll(node, files.url('ipa.kernel'), files.url('ipa.initramfs'));
    await act(stack, id, 'provide');
    const cleaned = await rest(stack, id);
    assert.equal(cleaned.provision_state, 'available', cleaned.last_error);
    assert.equal(fetches('ipa.kernel'), 1, 'the kernel was fetched once');
    assert.equal(fetches('ipa.initramfs'), 1, 'the ramdisk was fetched once');
    // The boot root holds the served bytes under their content hashes, and the node booted them.
    const staged = path.join(stack.data.bootRoot, 'ironflow', 'boot');
    assert.deepEqual(fs.readFileSync(path.join(staged, `${sha256(kernel)}.kernel`)), kernel);
    assert.deepEqual(fs.readFileSync(path.join(staged, `${sha256(ramdisk)}.ramdisk`)), ramdisk);
    // The cache holds them content-addressed.
    const cached = fs.readFileSync(path.join(stack.data.imageCacheRoot, 'objects', `sha256-${sha256(kernel)}`, 'disk.raw'));
    assert.deepEqual(cached, kernel);

    await act(stack, id, 'active');
    const active = await rest(stack, id);
    assert.equal(active.provision_state, 'active', active.last_error);
    const disk = fs.readFileSync(node.diskPath).subarray(0, image.length);
    assert.ok(disk.equals(image), 'the image was written by the ramdisk booted from the URL files');
    assert.equal(fetches('ipa.kernel'), 1, 'no second download of the kernel');
    assert.equal(fetches('ipa.initramfs'), 1, 'no second download of the ramdisk');
  });

  test('a deploy_ramdisk URL that answers 404 fails cleaning with a last_error naming the field and the URL', async () => {
    const node = lab.nodes[1]!;
    const missing = files.url('no-such.initramfs');
    const id = await enroll(node, files.url('ipa.kernel'), missing);
    await act(stack, id, 'provide');
    const failed = await rest(stack, id);
    assert.equal(failed.provision_state, 'clean failed');
    assert.match(failed.last_error, /driver_info\.deploy_ramdisk could not be fetched/);
    assert.ok(failed.last_error.includes(missing), failed.last_error);
    assert.match(failed.last_error, /HTTP 404/);
    assert.equal(node.power(), 'off', 'nothing was booted');
  });

  test('enrollment and PATCH refuse a deploy_kernel that is neither an http(s) URL nor a local path', async () => {
    for (const bad of ['ftp://10.0.0.1/ipa.kernel', 'http://', 'https:// spaced/kernel', 'ipa.kernel']) {
      const r = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', driver_info: { deploy_kernel: bad } });
      assert.equal(r.status, 400, `${bad}: ${r.text}`);
      assert.match(r.text, /deploy_kernel/, bad);
    }
    const ok = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', driver_info: { deploy_kernel: 'https://boot.example/ipa.kernel' } });
    assert.equal(ok.status, 201, ok.text);
    const patched = await api(stack, 'PATCH', `/v1/nodes/${ok.body.uuid}`, [
      { op: 'add', path: '/driver_info/deploy_ramdisk', value: 'http://10.0.0.5:8080/ipa.initramfs' },
    ]);
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.driver_info.deploy_ramdisk, 'http://10.0.0.5:8080/ipa.initramfs');
    const bad = await api(stack, 'PATCH', `/v1/nodes/${ok.body.uuid}`, [
      { op: 'replace', path: '/driver_info/deploy_ramdisk', value: 'gopher://x/ipa' },
    ]);
    assert.equal(bad.status, 400, bad.text);
    assert.equal((await state(stack, ok.body.uuid)).driver_info.deploy_ramdisk, 'http://10.0.0.5:8080/ipa.initramfs', 'nothing changed');
  });
});
