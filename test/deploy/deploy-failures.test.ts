// Deploys that must fail cleanly, deploys that must share work, and the CLI's --wait.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { baremetal } from '../support/baremetal';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Serves named images and counts GETs per name. */
async function countingServer(files: Record<string, Buffer>) {
  const gets: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    const body = files[name];
    if (!body) return void res.writeHead(404).end();
    if (req.method === 'GET') gets[name] = (gets[name] ?? 0) + 1;
    res.writeHead(200, { 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: (n: string) => `http://127.0.0.1:${port}/${n}`, gets, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

async function node(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

async function until(stack: TestStack, id: string, pred: (n: any) => boolean, what: string, ms = 120_000): Promise<any> {
  let last: any;
  try {
    return await waitFor(
      async () => {
        last = await node(stack, id);
        return pred(last) ? last : undefined;
      },
      ms,
      what,
    );
  } catch (e) {
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    throw new Error(
      `${(e as Error).message}; node is ${last?.provision_state} (${last?.last_error}); steps: ${JSON.stringify(op.steps?.map((s: any) => `${s.name}:${s.status}`))}`,
    );
  }
}

async function enroll(
  stack: TestStack,
  bmc: { address: string; port: number; username: string; password: string },
  mac: string,
  instance: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const r = await api(stack, 'POST', '/v1/nodes', {
    driver: 'ipmi',
    automated_clean: false,
    driver_info: { ipmi_address: bmc.address, ipmi_port: bmc.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
    instance_info: instance,
    ...extra,
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await api(stack, 'POST', '/v1/ports', { address: mac, node_uuid: r.body.uuid })).status, 201);
  for (const [target, want] of [
    ['manage', 'manageable'],
    ['provide', 'available'],
  ]) {
    await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/states/provision`, { target });
    await until(stack, r.body.uuid, (n) => n.provision_state === want && n.target_provision_state === null, want);
  }
  return r.body.uuid;
}

describe('deploy failures: a server that never calls back', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let files: Awaited<ReturnType<typeof countingServer>>;
  const img = makeDemoImage({ sizeBytes: MiB, marker: 'never' });
  before(async () => {
    stack = await startStack({ callbackTimeoutSec: 1 }); // the retry and undo order: test/workflows/deploy-node.test.ts
    bmc = await startBmc();
    files = await countingServer({ 'img.raw': img });
  });
  after(async () => {
    await stack.stop();
    await bmc.stop();
    await files.stop();
  });

  test('callback timeout (after one PXE retry) → deploy failed, powered off, boot config removed', async () => {
    const id = await enroll(stack, bmc, '52:54:00:cc:00:01', {
      image_source: files.url('img.raw'),
      image_checksum: `sha256:${sha256(img)}`,
    });
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    await until(stack, id, (x) => x.provision_state === 'wait call-back', 'wait call-back', 60_000);
    const hosts = path.join(stack.data.dhcpHostsDir, '52-54-00-cc-00-01');
    assert.equal(fs.readFileSync(hosts, 'utf8'), '52:54:00:cc:00:01,set:ironflow\n', 'a dnsmasq host entry while provisioning');
    const n = await until(stack, id, (x) => x.provision_state === 'deploy failed', 'deploy failed', 60_000);
    assert.ok(!fs.existsSync(hosts), 'the dnsmasq host entry is removed with the boot config');
    assert.match(n.last_error, /Timeout reached while waiting for the deploy ramdisk .* \(1 s\)/);
    assert.equal(bmc.readPower(), 0);
    assert.equal(n.power_state, 'power off', 'the recorded power state follows the BMC');
    assert.deepEqual(fs.readdirSync(path.join(stack.data.bootRoot, 'pxelinux.cfg')), []);
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    assert.ok(
      op.steps.some((s: any) => s.name === 'no callback: PXE boot again'),
      'one PXE retry before giving up',
    );
    const dep = await stack.db.deployment.findFirst({ where: { nodeUuid: id } });
    assert.equal(dep?.status, 'closed', 'the deployment secret is spent');
  });

  test('abort while waiting for the callback → deploy failed with who aborted', async () => {
    // A stack whose deploys wait long enough for us to abort them.
    const slow = await startStack({ callbackTimeoutSec: 600, worker: true });
    try {
      const nid = await enroll(slow, bmc, '52:54:00:cc:00:02', {
        image_source: files.url('img.raw'),
        image_checksum: `sha256:${sha256(img)}`,
      });
      await api(slow, 'PUT', `/v1/nodes/${nid}/states/provision`, { target: 'active' });
      await until(slow, nid, (x) => x.provision_state === 'wait call-back', 'wait call-back', 60_000);
      const r = await baremetal(slow.url, ['node', 'abort', nid]);
      assert.equal(r.code, 0, r.stderr);
      const done = await until(slow, nid, (x) => x.provision_state === 'deploy failed', 'deploy failed', 60_000);
      assert.match(done.last_error, /Aborted by anonymous@loopback/);
      assert.equal(bmc.readPower(), 0);
    } finally {
      await slow.stop();
    }
  });
});

describe('deploys that share work, and the CLI', () => {
  let stack: TestStack;
  let lab: Lab;
  let work: string;
  let files: Awaited<ReturnType<typeof countingServer>>;
  const source = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'shared qcow2' });
  const big = makeDemoImage({ sizeBytes: 24 * MiB, marker: 'too big' });
  let qcow: Buffer;
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-share-'));
    fs.writeFileSync(path.join(work, 's.raw'), source);
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', path.join(work, 's.raw'), path.join(work, 's.qcow2')],
    });
    qcow = fs.readFileSync(path.join(work, 's.qcow2'));
    files = await countingServer({ 'shared.qcow2': qcow, 'big.raw': big });
    stack = await startStack({ callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 4,
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
    fs.rmSync(work, { recursive: true, force: true });
  });

  const read = (n: LabNode, bytes: number) => {
    const b = Buffer.alloc(bytes);
    const fd = fs.openSync(n.diskPath, 'r');
    fs.readSync(fd, b, 0, bytes, 0);
    fs.closeSync(fd);
    return b;
  };

  test('three concurrent deploys of one image: one download, one conversion, three correct disks', async () => {
    const nodes = lab.nodes.slice(0, 3);
    const ids = await Promise.all(
      nodes.map((n) => enroll(stack, n.bmc, n.mac, { image_source: files.url('shared.qcow2'), image_checksum: `sha256:${sha256(qcow)}` })),
    );
    await Promise.all(ids.map((id) => api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' })));
    await Promise.all(ids.map((id) => until(stack, id, (n) => n.provision_state === 'active', 'active', 300_000)));
    assert.equal(files.gets['shared.qcow2'], 1, 'downloaded once');
    const objects = fs.readdirSync(path.join(stack.data.imageCacheRoot, 'objects'));
    assert.equal(objects.length, 1, 'one cached image');
    const meta = JSON.parse(fs.readFileSync(path.join(stack.data.imageCacheRoot, 'objects', objects[0], 'meta.json'), 'utf8'));
    assert.equal(meta.format, 'qcow2', 'converted from qcow2 once: one raw object');
    for (const n of nodes) assert.ok(read(n, 8 * MiB).equals(source), `${n.name} holds the image`);
  });

  test('an image larger than the disk is refused before any byte is written', async () => {
    const n = lab.nodes[3]!;
    const before = read(n, 16 * MiB);
    const id = await enroll(stack, n.bmc, n.mac, { image_source: files.url('big.raw'), image_checksum: `sha256:${sha256(big)}` });
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    const failed = await until(stack, id, (x) => x.provision_state === 'deploy failed', 'deploy failed');
    assert.match(failed.last_error, /image is 25165824 bytes but LUN .* holds only 16777216 bytes.*nothing was written/);
    assert.ok(read(n, 16 * MiB).equals(before), 'the disk is untouched');
    assert.equal(n.power(), 'off');
  });

  test('baremetal node undeploy, deploy and clean --wait', async () => {
    const id = (await stack.db.node.findFirstOrThrow({ where: { provisionState: 'active' } })).uuid;
    const info: Record<string, unknown> = (await node(stack, id)).instance_info;
    const un = await baremetal(stack.url, ['node', 'undeploy', id, '--wait', '120']);
    assert.equal(un.code, 0, un.stderr);
    // Undeploy cleared instance_info (as Ironic's): the next deploy needs its image again.
    assert.deepEqual((await node(stack, id)).instance_info, {});
    const image = Object.entries(info).map(([k, value]) => ({ op: 'add', path: `/instance_info/${k}`, value }));
    assert.equal((await api(stack, 'PATCH', `/v1/nodes/${id}`, image)).status, 200);
    const dep = await baremetal(stack.url, ['node', 'deploy', id, '--wait', '180']);
    assert.equal(dep.code, 0, dep.stderr);
    assert.equal((await node(stack, id)).provision_state, 'active');
    await baremetal(stack.url, ['node', 'undeploy', id, '--wait', '120']);
    await baremetal(stack.url, ['node', 'manage', id, '--wait', '60']);
    const clean = await baremetal(stack.url, [
      'node',
      'clean',
      id,
      '--clean-steps',
      '[{"interface": "deploy", "step": "erase_devices"}]',
      '--wait',
      '180',
    ]);
    assert.equal(clean.code, 0, clean.stderr);
    const hist = (await api(stack, 'GET', `/v1/nodes/${id}/history`)).body.history;
    assert.ok(hist.some((h: any) => /Erase record: .*"mode":"full".*"verified":true/.test(h.event)));
    const bad = await baremetal(stack.url, ['node', 'clean', id, '--clean-steps', '[{"interface": "bios", "step": "factory_reset"}]']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /node does not support this clean step/);
  });
});
