// Root-device hints end to end: properties.root_device is checked when written (400 saying what to
// fix), reaches the ramdisk on its command line, and a deploy writes to the hinted disk of a lab node
// with two disks, leaving the other untouched; hints no disk matches fail the deploy naming both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function readHead(file: string, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, b, 0, bytes, 0);
  fs.closeSync(fd);
  return b;
}

const isZero = (file: string) => fs.readFileSync(file).every((x) => x === 0);

describe('root-device hints', () => {
  let stack: TestStack;
  let lab: Lab;
  let work: string;
  let server: http.Server;
  let imageUrl: string;
  const image = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'root device hint' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-rootdev-'));
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-length': image.length });
      res.end(req.method === 'HEAD' ? undefined : image);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/img.raw`;
    stack = await startStack({ callbackTimeoutSec: 60 });
    // disk.img (16 MiB) and disk1.img (32 MiB): without hints the ramdisk takes the larger one.
    lab = await startLab({
      nodes: 2,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 16 * MiB,
      extraDisks: [{ size: 32 * MiB, model: 'lab-ssd', rotational: false }],
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function until(id: string, pred: (n: any) => boolean, what: string): Promise<any> {
    return waitFor(
      async () => {
        const n = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
        return pred(n) ? n : undefined;
      },
      180_000,
      what,
    );
  }

  async function enroll(n: LabNode, rootDevice: Record<string, unknown>): Promise<string> {
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      automated_clean: false,
      driver_info: { ipmi_address: n.bmc.address, ipmi_port: n.bmc.port, ipmi_username: n.bmc.username, ipmi_password: n.bmc.password },
      instance_info: { image_source: imageUrl, image_checksum: `sha256:${sha256(image)}` },
      properties: { root_device: rootDevice },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: n.mac, node_uuid: r.body.uuid })).status, 201);
    for (const [target, want] of [
      ['manage', 'manageable'],
      ['provide', 'available'],
    ]) {
      await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/states/provision`, { target });
      await until(r.body.uuid, (x) => x.provision_state === want && x.target_provision_state === null, want);
    }
    return r.body.uuid;
  }

  const BAD: [unknown, RegExp][] = [
    [{ serail: 'abc' }, /unknown hint "serail"; known hints are name, size, serial, wwn, model, vendor, rotational, by_path/],
    [{ size: 'large' }, /properties\/root_device\/size: "large" must compare with whole numbers of GiB above 0/],
    [{ size: -5 }, /whole numbers of GiB above 0/],
    [{ rotational: 'sometimes' }, /properties\/root_device\/rotational must be true or false/],
    [{ serial: 12345 }, /properties\/root_device\/serial must be a string/],
    [{ model: '>= 3' }, /operator >= does not apply to a string/],
    [{ size: '<in> 10' }, /operator <in> does not apply to a number/],
    ['/dev/sda', /properties\/root_device must be an object of hints/],
  ];

  test('bad hints are a 400 saying what to fix, on create and on PATCH; nothing is stored', async () => {
    const ok = await api(stack, 'POST', '/v1/nodes', {
      driver: 'fake-hardware',
      name: 'hints-ok',
      properties: { root_device: { size: '>= 10' } },
    });
    assert.equal(ok.status, 201, ok.text);
    for (const [hint, re] of BAD) {
      const c = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', properties: { root_device: hint } });
      assert.equal(c.status, 400, `create with ${JSON.stringify(hint)}: ${c.text}`);
      assert.match(JSON.parse(c.body.error_message).faultstring, re);
      const p = await api(stack, 'PATCH', `/v1/nodes/${ok.body.uuid}`, [{ op: 'add', path: '/properties/root_device', value: hint }]);
      assert.equal(p.status, 400, `PATCH with ${JSON.stringify(hint)}: ${p.text}`);
      assert.match(JSON.parse(p.body.error_message).faultstring, re);
    }
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${ok.body.uuid}`)).body.properties, { root_device: { size: '>= 10' } });
    await api(stack, 'DELETE', `/v1/nodes/${ok.body.uuid}`);
  });

  test('a serial hint deploys to the smaller disk; the larger one (the default choice) stays untouched', async () => {
    const n = lab.nodes[0]!;
    const id = await enroll(n, { serial: `${n.name}-DISK0` });
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    await until(id, (x) => x.provision_state === 'active' || x.provision_state === 'deploy failed', 'deploy finished');
    const done = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
    assert.equal(done.provision_state, 'active', done.last_error);
    assert.ok(readHead(n.diskPath, image.length).equals(image), 'the hinted disk holds the image');
    assert.ok(isZero(n.extraDiskPaths[0]!), 'the other disk is untouched');
    const boot = n.bootHistory().find((b) => b.ramdisk);
    assert.match(boot?.append ?? '', new RegExp(`ironflow.root_device=serial:seq:${n.name}-disk0( |$)`));
  });

  test('hints no disk matches: deploy failed naming the hints and the disks found; no disk written', async () => {
    const n = lab.nodes[1]!;
    const id = await enroll(n, { model: 'lab-ssd', rotational: true });
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    const failed = await until(id, (x) => x.provision_state === 'deploy failed', 'deploy failed');
    assert.match(
      failed.last_error,
      /no disk matches the root device hints \(model s== lab-ssd, rotational true\); disks found: .*disk\.img \(16 MiB, serial lab-1-disk0, model lab-disk\); .*disk1\.img \(32 MiB, serial lab-1-disk1, model lab-ssd\)/,
    );
    assert.ok(isZero(n.diskPath) && isZero(n.extraDiskPaths[0]!), 'nothing was written');
    assert.equal(n.power(), 'off');
  });
});
