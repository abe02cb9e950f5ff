// deploy_steps on a real deploy: a lab node (ipmi_sim BMC, PXE over TFTP, the deploy
// ramdisk exporting its disk with tgtd) deployed with the optional step
// deploy.erase_devices_metadata added between the ramdisk boot and the image write.
// The steps run in priority order (history and timeline), the node's deploy_step shows
// the running step, and the step did its work: the end of the disk, which the image
// write never touches, is zero. Also the fake deploy interface: active with no image,
// no boot config, no power action; its cleaning goes straight to the target state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baremetal } from '../support/baremetal';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { startImageServer, type ImageServer } from '../lab/image-server';

const MiB = 1024 * 1024;
const DISK = 64 * MiB;

function readAt(node: LabNode, offset: number, bytes: number): Buffer {
  const fd = fs.openSync(node.diskPath, 'r');
  try {
    const b = Buffer.alloc(bytes);
    fs.readSync(fd, b, 0, bytes, offset);
    return b;
  } finally {
    fs.closeSync(fd);
  }
}

async function show(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

async function settle(stack: TestStack, id: string, want: string, seen?: (n: any) => void): Promise<any> {
  return waitFor(
    async () => {
      const n = await show(stack, id);
      seen?.(n);
      if (n.provision_state === want && n.target_provision_state === null) return n;
      if (n.target_provision_state === null && n.provision_state !== want) throw new Error(`node is ${n.provision_state}: ${n.last_error}`);
      return undefined;
    },
    180_000,
    want,
  );
}

async function act(stack: TestStack, id: string, body: Record<string, unknown>): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, body);
  assert.equal(r.status, 202, r.text);
}

describe('deploy steps', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  const raw = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'deploy steps raw' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-steps-'));
    images = await startImageServer();
    images.images.set('raw.img', { data: raw });
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
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('iscsi: deploy_steps adds deploy.erase_devices_metadata at priority 90; steps run in order, deploy_step shows them, the old tail is gone', async () => {
    const node = lab.nodes[0]!;
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
        image_source: images.url('raw.img'),
        image_checksum: `sha256:${crypto.createHash('sha256').update(raw).digest('hex')}`,
      },
    });
    assert.equal(r.status, 201, r.text);
    const id = r.body.uuid;
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: id })).status, 201);
    await act(stack, id, { target: 'manage' });
    await settle(stack, id, 'manageable');
    await act(stack, id, { target: 'provide' }); // automated_clean false: no erase
    await settle(stack, id, 'available');
    assert.deepEqual((await show(stack, id)).deploy_step, {});

    // A previous tenant's data at the end of the disk (a backup GPT, say): the image write never reaches it.
    const junk = Buffer.alloc(MiB, 0xa5);
    fs.writeFileSync(node.diskPath, junk, { flag: 'r+' });
    const fd = fs.openSync(node.diskPath, 'r+');
    fs.writeSync(fd, junk, 0, MiB, DISK - MiB);
    fs.closeSync(fd);

    // The real CLI sends deploy_steps (at its newest microversion).
    const cli = await baremetal(stack.url, [
      'node',
      'deploy',
      id,
      '--deploy-steps',
      '[{"interface": "deploy", "step": "erase_devices_metadata", "args": {}, "priority": 90}]',
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    const seen: string[] = [];
    const done = await settle(stack, id, 'active', (n) => {
      const name = n.deploy_step?.step ? `${n.deploy_step.interface}.${n.deploy_step.step}` : '';
      if (name && seen[seen.length - 1] !== name) seen.push(name);
      if (name === 'deploy.deploy') assert.deepEqual(n.deploy_step, { interface: 'deploy', step: 'deploy', priority: 100, args: {} });
    });
    assert.equal(done.last_error, null);
    assert.deepEqual(done.deploy_step, {}, 'no step shown once the deploy is over');
    assert.deepEqual(done.clean_step, {});
    // deploy.deploy boots the ramdisk and waits for it (seconds): it is seen while it runs.
    assert.equal(seen[0], 'deploy.deploy', `steps seen running: ${seen.join(', ')}`);

    // The history has each step's start, in priority order.
    const hist = (await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body.history.map((h: any) => h.event);
    const started = hist.filter((e: string) => /^deploy: deploy step /.test(e));
    assert.deepEqual(started, [
      'deploy: deploy step deploy.deploy (priority 100) started',
      'deploy: deploy step deploy.erase_devices_metadata (priority 90) started',
      'deploy: deploy step deploy.write_image (priority 80) started',
      'deploy: deploy step deploy.tear_down_agent (priority 40) started',
      'deploy: deploy step deploy.boot_instance (priority 20) started',
    ]);
    // The steps' own timeline: the erase between the ramdisk coming up and the write.
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    const names = op.steps.map((s: any) => s.name);
    const at = (n: string) => names.indexOf(n);
    assert.ok(at('wait for the ramdisk') >= 0 && at('wait for the ramdisk') < at('erase the disk metadata over iSCSI'), names.join(', '));
    assert.ok(at('erase the disk metadata over iSCSI') < at('write the image over iSCSI'), names.join(', '));
    assert.ok(op.steps.every((s: any) => s.status === 'done'));
    // Provision-state moves inside the deploy are in the history too.
    assert.ok(hist.includes('deploying -> wait call-back') && hist.includes('wait call-back -> deploying'), 'state moves recorded');

    assert.ok(readAt(node, 0, raw.length).equals(raw), 'the image is on the disk');
    assert.ok(readAt(node, DISK - MiB, MiB).equals(Buffer.alloc(MiB)), 'the last MiB was erased');
    await waitFor(async () => node.readBoot()?.marker === 'deploy steps raw', 30_000, 'boot from disk');
  });

  test('iscsi: a manual clean shows clean_step; without deploy_steps the optional step does not run', async () => {
    const node = lab.nodes[0]!;
    const id = (await show(stack, node.name)).uuid;
    await act(stack, id, { target: 'deleted' }); // automated_clean false: no erase
    await settle(stack, id, 'available');
    // Undeploy cleared instance_info (as Ironic's): the next deploy needs its image again.
    const image = [
      { op: 'add', path: '/instance_info/image_source', value: images.url('raw.img') },
      { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${crypto.createHash('sha256').update(raw).digest('hex')}` },
    ];
    assert.equal((await api(stack, 'PATCH', `/v1/nodes/${id}`, image)).status, 200);
    // A manual clean shows its step as clean_step while it runs, and in the history.
    await act(stack, id, { target: 'manage' });
    await settle(stack, id, 'manageable');
    await act(stack, id, { target: 'clean', clean_steps: [{ interface: 'deploy', step: 'erase_devices_metadata' }] });
    const cleanSeen = new Set<string>();
    const cleaned = await settle(stack, id, 'manageable', (n) => n.clean_step?.step && cleanSeen.add(JSON.stringify(n.clean_step)));
    assert.deepEqual(
      [...cleanSeen],
      [JSON.stringify({ interface: 'deploy', step: 'erase_devices_metadata', priority: 0, args: {} })],
      'clean_step while cleaning',
    );
    assert.deepEqual(cleaned.clean_step, {});
    const cleanHist = (await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body.history.map((h: any) => h.event);
    assert.ok(cleanHist.includes('clean: clean step deploy.erase_devices_metadata (priority 0) started'));
    await act(stack, id, { target: 'provide' });
    await settle(stack, id, 'available');
    const junk = Buffer.alloc(MiB, 0x5a);
    const fd = fs.openSync(node.diskPath, 'r+');
    fs.writeSync(fd, junk, 0, MiB, DISK - MiB);
    fs.closeSync(fd);
    await act(stack, id, { target: 'active' });
    await settle(stack, id, 'active');
    const names = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body.steps.map((s: any) => s.name);
    assert.ok(!names.includes('erase the disk metadata over iSCSI'), names.join(', '));
    assert.ok(readAt(node, DISK - MiB, MiB).equals(junk), 'the end of the disk is untouched');
  });

  test('fake deploy interface: provide skips cleaning, deploy reaches active with no image, boot config or power action', async () => {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'fake-0' });
    assert.equal(r.status, 201, r.text);
    const id = r.body.uuid;
    assert.equal(r.body.deploy_interface, 'fake');
    await act(stack, id, { target: 'manage' });
    await settle(stack, id, 'manageable');
    await act(stack, id, { target: 'provide' }); // automated cleaning is on (metadata): fake has no clean steps
    await settle(stack, id, 'available');
    const provide = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    assert.deepEqual(provide.steps, [], 'no cleaning ran');
    const bootFiles = () =>
      fs.existsSync(path.join(stack.data.bootRoot, 'pxelinux.cfg')) ? fs.readdirSync(path.join(stack.data.bootRoot, 'pxelinux.cfg')) : [];
    const filesBefore = bootFiles();
    const powerBefore = (await show(stack, id)).power_state;
    await act(stack, id, { target: 'active', deploy_steps: [{ interface: 'deploy', step: 'deploy', args: {}, priority: 100 }] });
    const done = await settle(stack, id, 'active');
    assert.equal(done.power_state, powerBefore, 'no power action');
    assert.deepEqual(done.deploy_step, {});
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    assert.deepEqual(
      op.steps.map((s: any) => s.name),
      ['validate'],
    );
    assert.deepEqual(bootFiles(), filesBefore, 'no boot config written');
    const hist = (await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body.history.map((h: any) => h.event);
    assert.ok(hist.includes('deploy: deploy step deploy.deploy (priority 100) started'));
    // Steps the fake interface lacks are refused, naming what it has; nothing changes.
    const bad = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, {
      target: 'rebuild',
      deploy_steps: [{ interface: 'deploy', step: 'write_image', args: {}, priority: 80 }],
    });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /deploy interface fake has no deploy step deploy\.write_image\. Known steps: deploy\.deploy \(priority 100\)/);
    assert.equal((await show(stack, id)).provision_state, 'active');
  });
});
