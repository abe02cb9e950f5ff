// adopt on the simulated lab, through the real `baremetal` CLI: a node whose disk already
// holds an OS (written with the lab's demo image, booted from disk before Ironflow knows
// the node) is taken over: manageable → adopting → active, its power state read from the
// BMC, and nothing touched: the disk's sha256 is unchanged, no boot happened (no PXE, no
// power action: the lab's boot records), no PXE config was written. Then undeploy works
// as for any deployed node (automated cleaning erases the disk's metadata). Bad cases:
// a wrong state (the state machine's 409 with Ironic's message), instance_info without
// image_source and an unreachable BMC (adopt failed with last_error; adopt again or
// manage from there), and a version below 1.17 (406 in Ironic's body shape).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal } from '../support/baremetal';
import { freeUdpPort, waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { ipmitool } from '../lab/ipmitool';

const MiB = 1024 * 1024;
const IMAGE = 'http://images.example/already-running.raw';

function diskSha256(node: LabNode): string {
  return crypto.createHash('sha256').update(fs.readFileSync(node.diskPath)).digest('hex');
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

/** Every file under dir, relative. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .flatMap((e) => (e.isFile() ? [path.join(e.parentPath, e.name)] : []));
}

describe('adopt a lab node that already runs an OS', () => {
  let stack: TestStack;
  let lab: Lab;
  let work: string;
  const image = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'installed before ironflow' });

  async function node(id: string): Promise<any> {
    return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
  }
  async function settled(id: string, timeoutMs = 120_000): Promise<any> {
    return waitFor(
      async () => {
        const n = await node(id);
        return n.target_provision_state === null && n.reservation === null ? n : undefined;
      },
      timeoutMs,
      `node ${id} to settle`,
    );
  }
  async function enroll(name: string, driverInfo: Record<string, unknown>, instanceInfo: Record<string, unknown>, mac?: string) {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name, driver_info: driverInfo, instance_info: instanceInfo });
    assert.equal(r.status, 201, r.text);
    if (mac) assert.equal((await api(stack, 'POST', '/v1/ports', { address: mac, node_uuid: r.body.uuid })).status, 201);
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/states/provision`, { target: 'manage' })).status, 202);
    assert.equal((await settled(r.body.uuid)).provision_state, 'manageable');
    return r.body.uuid as string;
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-adopt-'));
    stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 64 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('a running node is adopted with `baremetal node adopt --wait`: active, power read, disk and boot untouched; then undeploy', async () => {
    const ln = lab.nodes[0]!;
    // The OS someone installed before Ironflow: on the disk, booted from it, running.
    const fd = fs.openSync(ln.diskPath, 'r+');
    fs.writeSync(fd, image, 0, image.length, 0);
    fs.closeSync(fd);
    await ipmitool(ln.bmc, 'chassis', 'bootdev', 'disk');
    await ipmitool(ln.bmc, 'power', 'on');
    const running = await waitFor(async () => (ln.readBoot()?.source === 'disk' ? ln.readBoot() : undefined), 10_000, 'disk boot');
    assert.equal(running.marker, 'installed before ironflow');
    const diskBefore = diskSha256(ln);
    const bootsBefore = ln.bootHistory().length;
    const bootFilesBefore = filesUnder(stack.data.bootRoot);

    const bmc = { ipmi_address: ln.bmc.address, ipmi_port: ln.bmc.port, ipmi_username: ln.bmc.username, ipmi_password: ln.bmc.password };
    // First without image_source: Ironic's deploy validation refuses it, the node ends in adopt failed.
    const id = await enroll('running', bmc, {}, ln.mac);
    const noImage = await baremetal(stack.url, ['node', 'adopt', id, '--wait', '60']);
    assert.notEqual(noImage.code, 0, 'the CLI reports the failure');
    let n = await settled(id);
    assert.equal(n.provision_state, 'adopt failed');
    assert.equal(n.target_provision_state, null);
    assert.equal(
      n.last_error,
      `Error while attempting to adopt node ${id}: Some parameters were missing in node's instance_info. Missing are: ['image_source'].`,
    );
    assert.match(noImage.stderr, /adopt failed/);

    // Fixed, adopt again from adopt failed.
    const patch = await api(stack, 'PATCH', `/v1/nodes/${id}`, [
      { op: 'add', path: '/instance_info/image_source', value: IMAGE },
      { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}` },
    ]);
    assert.equal(patch.status, 200, patch.text);
    const adopt = await baremetal(stack.url, ['node', 'adopt', id, '--wait', '120']);
    assert.equal(adopt.code, 0, adopt.stderr);
    n = await node(id);
    assert.equal(n.provision_state, 'active');
    assert.equal(n.target_provision_state, null);
    assert.equal(n.last_error, null);
    assert.equal(n.power_state, 'power on', 'read from the BMC');
    assert.equal(n.instance_info.image_source, IMAGE);

    // Nothing touched: the disk, the power, the boot device, the boot files.
    assert.equal(diskSha256(ln), diskBefore, 'the disk is byte for byte what it was');
    assert.equal(ln.bootHistory().length, bootsBefore, 'no boot happened (no PXE boot, no power cycle)');
    assert.equal(ln.power(), 'on');
    assert.deepEqual(filesUnder(stack.data.bootRoot), bootFilesBefore, 'no PXE or iPXE config was written');
    const bootdev = await api(stack, 'GET', `/v1/nodes/${id}/management/boot_device`);
    assert.equal(bootdev.status, 200, bootdev.text);
    assert.equal(bootdev.body.boot_device, 'disk', 'the boot device is still the disk');

    const hist = (await api(stack, 'GET', `/v1/nodes/${id}/history`)).body.history;
    const events = hist.map((h: any) => h.event);
    assert.ok(events.includes('adopt started: manageable -> adopting'), events.join(' | '));
    assert.ok(events.includes('adopt started: adopt failed -> adopting'));
    assert.ok(events.includes('adopt finished: adopting -> active'));
    assert.ok(hist.some((h: any) => h.severity === 'ERROR' && /Missing are: \['image_source'\]/.test(h.event)));

    // Undeploy, as for any active node: power off, then automated cleaning erases the disk's metadata.
    const undeploy = await baremetal(stack.url, ['node', 'undeploy', id, '--wait', '180']);
    assert.equal(undeploy.code, 0, undeploy.stderr);
    n = await node(id);
    assert.equal(n.provision_state, 'available', n.last_error);
    assert.deepEqual(n.instance_info, {}, 'undeploy ends the adopted instance');
    assert.ok(readDisk(ln, MiB).equals(Buffer.alloc(MiB)), "cleaning erased the adopted OS's first MiB");
    assert.ok(
      ln
        .bootHistory()
        .slice(bootsBefore)
        .some((b) => b.source === 'pxe'),
      'cleaning PXE-booted the ramdisk',
    );
  });

  test("adopt from a state that does not allow it: the state machine refuses with Ironic's message, nothing changes", async () => {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'just-enrolled' });
    const wrong = await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/states/provision`, { target: 'adopt' });
    assert.equal(wrong.status, 409);
    assert.match(
      faultOf(wrong.body),
      new RegExp(
        `^The requested action "adopt" can not be performed on node "${r.body.uuid}" while it is in state "enroll"\\. Allowed from "enroll": manage\\.$`,
      ),
    );
    const cli = await baremetal(stack.url, ['node', 'adopt', 'just-enrolled']);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /can not be performed on node .* while it is in state "enroll"/);
    assert.equal((await node(r.body.uuid)).provision_state, 'enroll');
  });

  test("below API 1.17 adopt is 406 in Ironic's body shape, with the supported range in headers", async () => {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'old-client' });
    const old = await api(
      stack,
      'PUT',
      `/v1/nodes/${r.body.uuid}/states/provision`,
      { target: 'adopt' },
      { 'X-OpenStack-Ironic-API-Version': '1.16' },
    );
    assert.equal(old.status, 406);
    assert.deepEqual(Object.keys(old.body), ['error_message']);
    const inner = JSON.parse(old.body.error_message);
    assert.equal(inner.code, 406);
    assert.equal(inner.title, 'Not Acceptable');
    assert.match(inner.description, /"adopt" target requires API version 1\.17 or later/);
    assert.equal(inner.faultstring, inner.description);
    assert.equal(old.headers.get('x-openstack-ironic-api-minimum-version'), '1.1');
    assert.match(old.headers.get('x-openstack-ironic-api-maximum-version') ?? '', /^1\.\d+$/);
  });

  test('an unreachable BMC: adopt failed saying the BMC did not answer, power state forgotten; manage from there', async () => {
    const dead = await freeUdpPort();
    const id = await enroll(
      'no-bmc',
      { ipmi_address: '127.0.0.1', ipmi_port: dead, ipmi_username: 'admin', ipmi_password: 'never-sent-anywhere' },
      { image_source: IMAGE },
    );
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'adopt' })).status, 202);
    const n = await settled(id, 180_000);
    assert.equal(n.provision_state, 'adopt failed');
    assert.equal(n.power_state, null);
    assert.match(n.last_error, new RegExp(`^Error while attempting to adopt node ${id}: BMC 127\\.0\\.0\\.1:${dead}: no answer to `));
    assert.doesNotMatch(n.last_error, /never-sent-anywhere/);
    const manage = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'manage' });
    assert.equal(manage.status, 202);
    assert.equal((await settled(id)).provision_state, 'manageable');
  });
});
