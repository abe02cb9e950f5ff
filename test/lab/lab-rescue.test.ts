// Rescue mode on a lab node through the real `baremetal` CLI: deploy an image (iscsi), then
// `node rescue --wait --rescue-password` (rescuing → rescue wait → rescue: the node PXE-boots the
// deploy ramdisk in rescue mode, which fetches the password's SHA-512 crypt hash over its callback
// and writes the `rescue` account), `node unrescue --wait` (power off, boot configs gone, boot from
// disk → active). The disk's sha256 never changes; the password is nowhere: not in responses,
// history, operations, logs, the boot config or the ramdisk's command line. Then the failure
// paths: a ramdisk that reports an error, an abort in `rescue wait`, and Ironic's 4xx cases.
import { after, before, describe, test } from 'node:test';
import { decodedPayloads, historyToFile } from '../replay/history-file';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from './lab';
import { makeDemoImage } from './demo-image';
import { startImageServer, type ImageServer } from './image-server';

const MiB = 1024 * 1024;
const PASSWORD = `rescue-${crypto.randomBytes(9).toString('base64url')}`;

function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function settle(stack: TestStack, id: string, want: string, timeoutMs = 120_000): Promise<any> {
  const n = await waitFor(
    async () => {
      const n = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
      return n.target_provision_state === null || /failed$/.test(n.provision_state) ? n : undefined;
    },
    timeoutMs,
    `node ${id} to settle`,
  );
  assert.equal(n.provision_state, want, `node is ${n.provision_state}: ${n.last_error}`);
  return n;
}

/** Lines added to a lab node's node.env (sourced at each of its boots) change how its next ramdisk runs. */
function setNodeEnv(node: LabNode, extra: Record<string, string>): () => void {
  const file = path.join(node.nodeDir, 'node.env');
  const before = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(
    file,
    before +
      Object.entries(extra)
        .map(([k, v]) => `export ${k}='${v}'\n`)
        .join(''),
  );
  return () => fs.writeFileSync(file, before);
}

describe('rescue mode on a lab node, through the baremetal CLI', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let id: string;
  const image = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'rescue me' });

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-rescue-'));
    images = await startImageServer();
    images.images.set('raw.img', { data: image });
    stack = await startStack({ automatedClean: 'none', callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 64 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
    const node = lab.nodes[0]!;
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: node.name,
      deploy_interface: 'iscsi',
      rescue_interface: 'agent',
      driver_info: {
        ipmi_address: node.bmc.address,
        ipmi_port: node.bmc.port,
        ipmi_username: node.bmc.username,
        ipmi_password: node.bmc.password,
      },
      instance_info: {
        image_source: images.url('raw.img'),
        image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`,
      },
    });
    assert.equal(r.status, 201, r.text);
    id = r.body.uuid;
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: id })).status, 201);
    for (const [target, want] of [
      ['manage', 'manageable'],
      ['provide', 'available'],
      ['active', 'active'],
    ]) {
      assert.equal((await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target })).status, 202);
      await settle(stack, id, want);
    }
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('rescue --wait: rescue wait → rescue, the account carries the hash; unrescue --wait: active from disk; the disk never changes', async () => {
    const node = lab.nodes[0]!;
    const disk0 = sha256File(node.diskPath);
    const r = await baremetal(stack.url, ['node', 'rescue', node.name, '--wait', '120', '--rescue-password', PASSWORD], {}, 180_000);
    assert.equal(r.code, 0, r.stderr);
    const n = await baremetalJson(stack.url, [
      'node',
      'show',
      node.name,
      '--fields',
      'provision_state',
      'target_provision_state',
      'instance_info',
    ]);
    assert.equal(n.provision_state, 'rescue');
    assert.equal(n.target_provision_state, null);
    assert.equal(n.instance_info.hashed_rescue_password, '******', 'the hash is masked');
    assert.equal(n.instance_info.rescue_password, undefined, 'the clear password is not kept');
    // The node booted the ramdisk in rescue mode over PXE; it stays up.
    const boot = node.readBoot()!;
    assert.equal(boot.source, 'pxe');
    assert.match(boot.append!, /ironflow\.mode=rescue/);
    assert.doesNotMatch(boot.append!, /ironflow\.(iqn|chap_user|chap_secret)=/, 'rescue exports no disk');
    assert.equal(node.power(), 'on', node.consoleLog().slice(-3000));
    // Its report was answered the first time (the API keeps half-closed callback sockets open for the answer).
    assert.match(node.consoleLog(), /callback rescue \(seq \d+\) acknowledged/);
    assert.doesNotMatch(node.consoleLog(), /callback (credentials|rescue) .*(no answer|HTTP)/);
    // The account the ramdisk made: `rescue` with a SHA-512 crypt hash of the password (checked by openssl).
    const shadow = fs.readFileSync(path.join(node.nodeDir, 'ramdisk', 'rescue-root', 'etc', 'shadow'), 'utf8');
    const hash = /^rescue:(\$6\$([^$]+)\$[^:]+):/m.exec(shadow);
    assert.ok(hash, shadow);
    const again = await runCommand({ file: 'openssl', args: ['passwd', '-6', '-salt', hash[2], '-stdin'], stdin: PASSWORD });
    assert.equal(again.stdout.trim(), hash[1]);
    assert.match(fs.readFileSync(path.join(node.nodeDir, 'ramdisk', 'rescue-root', 'etc', 'passwd'), 'utf8'), /^rescue:x:0:0:/m);
    assert.equal(sha256File(node.diskPath), disk0, 'rescue does not touch the disk');
    // The deployment is closed: the ramdisk's secret is spent.
    const deps = await stack.db.deployment.findMany({ where: { nodeUuid: id, mode: 'rescue' } });
    assert.equal(deps.length, 1);
    assert.equal(deps[0]!.status, 'closed');

    // Rescue again from rescue: a fresh ramdisk boot, rescue again.
    const again2 = await baremetal(
      stack.url,
      ['node', 'rescue', node.name, '--wait', '120', '--rescue-password', `${PASSWORD}-2`],
      {},
      180_000,
    );
    assert.equal(again2.code, 0, again2.stderr);
    assert.equal((await stack.db.deployment.findMany({ where: { nodeUuid: id, mode: 'rescue' } })).length, 2);

    const u = await baremetal(stack.url, ['node', 'unrescue', node.name, '--wait', '120'], {}, 180_000);
    assert.equal(u.code, 0, u.stderr);
    const after = await baremetalJson(stack.url, ['node', 'show', node.name, '--fields', 'provision_state', 'instance_info', 'last_error']);
    assert.equal(after.provision_state, 'active');
    assert.equal(after.last_error, null);
    assert.equal(after.instance_info.hashed_rescue_password, undefined, 'unrescue clears the hash');
    assert.ok(after.instance_info.image_source, 'and only the hash');
    const booted = await waitFor(async () => (node.readBoot()?.source === 'disk' ? node.readBoot() : undefined), 30_000, 'disk boot');
    assert.match(booted!.marker ?? '', /rescue me/);
    assert.equal(sha256File(node.diskPath), disk0, 'unrescue does not touch the disk');
    assert.equal(fs.readdirSync(path.join(stack.data.bootRoot, 'pxelinux.cfg')).filter((f) => f.startsWith('01-')).length, 1);
    assert.doesNotMatch(
      fs.readFileSync(path.join(stack.data.bootRoot, 'pxelinux.cfg', `01-${node.mac.replace(/:/g, '-')}`), 'utf8'),
      /ironflow\./,
      'the rescue boot config is gone (local boot)',
    );

    // The password is nowhere: history, operations (timelines, errors), API answers, logs, boot files, the database.
    const history = await api(stack, 'GET', `/v1/nodes/${id}/history?detail=true`);
    assert.ok(history.body.history.some((h: any) => /rescue finished/.test(h.event)));
    assert.ok(history.body.history.some((h: any) => /Rescue password removed/.test(h.event)));
    const rows = JSON.stringify(
      {
        history: history.body,
        operations: await stack.db.operation.findMany(),
        events: await stack.db.historyEvent.findMany(),
        nodes: await stack.db.node.findMany(),
        deployments: await stack.db.deployment.findMany(),
      },
      (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
    );
    for (const secret of [PASSWORD, `${PASSWORD}-2`, hash[1]]) {
      assert.ok(!rows.includes(secret), 'not in the database or the API');
      assert.ok(!stack.logs().includes(secret), 'not in the logs');
      assert.ok(!node.consoleLog().includes(secret), 'not on the console');
      assert.ok(!JSON.stringify(node.readBoot()).includes(secret));
    }
    // Nor in any workflow history (inputs, activity arguments and results, signals).
    const wfs = stack.temporal.workflow.list({ query: `WorkflowId = 'node-${id}'` });
    let seen = 0;
    for await (const wf of wfs) {
      const h = await stack.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const text = decodedPayloads(historyToFile(h));
      assert.ok(text.includes('nodeUuid'), `the workflow input of ${wf.type} was decoded (it names the node)`);
      for (const secret of [PASSWORD, `${PASSWORD}-2`, hash[1], '$6$']) assert.ok(!text.includes(secret), `not in workflow ${wf.type}`);
      seen++;
    }
    assert.ok(seen >= 5, `read ${seen} workflow histories`);
  });

  test('the ramdisk reports an error → rescue failed with last_error, powered off; unrescue → active', async () => {
    const node = lab.nodes[0]!;
    const disk0 = sha256File(node.diskPath);
    const restore = setNodeEnv(node, { IRONFLOW_RESCUE_ROOT: '/proc/no-such-dir' });
    try {
      const r = await api(
        stack,
        'PUT',
        `/v1/nodes/${id}/states/provision`,
        { target: 'rescue', rescue_password: PASSWORD },
        {
          'X-OpenStack-Ironic-API-Version': '1.38',
        },
      );
      assert.equal(r.status, 202, r.text);
      const n = await settle(stack, id, 'rescue failed');
      assert.match(n.last_error, /Rescue of node .* failed: The deploy ramdisk reported an error: cannot create \/proc\/no-such-dir\/etc/);
      assert.equal(node.power(), 'off');
    } finally {
      restore();
    }
    const u = await baremetal(stack.url, ['node', 'unrescue', node.name, '--wait', '120'], {}, 180_000);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(sha256File(node.diskPath), disk0);
  });

  test('abort in rescue wait → rescue failed (the ramdisk powered off); then unrescue → active', async () => {
    const node = lab.nodes[0]!;
    // The ramdisk's clock command blocks: it boots but never calls back, so the node stays in rescue wait.
    const restore = setNodeEnv(node, { IRONFLOW_ADJTIMEX: 'sleep 3600' });
    try {
      assert.equal(
        (await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'rescue', rescue_password: PASSWORD })).status,
        202,
      );
      await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state === 'rescue wait', 60_000, 'rescue wait');
      // abort while rescuing is refused; in rescue wait it is accepted.
      const a = await baremetal(stack.url, ['node', 'abort', node.name]);
      assert.equal(a.code, 0, a.stderr);
      const n = await settle(stack, id, 'rescue failed');
      assert.match(n.last_error, /Rescue of node .* failed: Aborted by /);
      await waitFor(async () => node.power() === 'off', 30_000, 'power off');
    } finally {
      restore();
    }
    const u = await baremetal(stack.url, ['node', 'unrescue', node.name, '--wait', '120'], {}, 180_000);
    assert.equal(u.code, 0, u.stderr);
  });

  test("bad requests: Ironic's 4xx, and nothing changes", async () => {
    const node = lab.nodes[0]!;
    const put = (body: unknown, version = '1.78') =>
      api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, body, { 'X-OpenStack-Ironic-API-Version': version });
    const before = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
    assert.equal(before.provision_state, 'active');
    const cases: [string, unknown, number, RegExp, string?][] = [
      ['no password', { target: 'rescue' }, 400, /A non-empty "rescue_password" is required/],
      ['empty password', { target: 'rescue', rescue_password: '' }, 400, /A non-empty "rescue_password" is required/],
      ['blank password', { target: 'rescue', rescue_password: '   ' }, 400, /A non-empty "rescue_password" is required/],
      ['password not a string', { target: 'rescue', rescue_password: 12345 }, 400, /A non-empty "rescue_password" is required/],
      ['password too long', { target: 'rescue', rescue_password: 'x'.repeat(257) }, 400, /the limit is 256/],
      [
        'password with another target',
        { target: 'rebuild', rescue_password: 'pw' },
        400,
        /"rescue_password" can only be given with target "rescue"/,
      ],
      ['rescue below 1.38', { target: 'rescue', rescue_password: 'pw' }, 406, /requires API version 1\.38/, '1.37'],
      ['unrescue below 1.38', { target: 'unrescue' }, 406, /requires API version 1\.38/, '1.37'],
      ['unrescue from active', { target: 'unrescue' }, 409, /"unrescue" can not be performed .* in state "active"/],
      ['abort from active', { target: 'abort' }, 409, /"abort" can not be performed .* in state "active"/],
    ];
    for (const [name, body, status, message, version] of cases) {
      const r = await put(body, version);
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.match(faultOf(r.body), message, name);
    }
    // An empty password from the CLI: refused (by the client or with the server's 400).
    const cli = await baremetal(stack.url, ['node', 'rescue', node.name, '--rescue-password', '']);
    assert.notEqual(cli.code, 0);
    assert.match(cli.stderr, /rescue.password/i);

    // rescue_interface no-rescue (the ipmi default): 400 naming the interface, before any state check.
    assert.equal(
      (await api(stack, 'PATCH', `/v1/nodes/${id}`, [{ op: 'replace', path: '/rescue_interface', value: 'no-rescue' }])).status,
      200,
    );
    const noRescue = await put({ target: 'rescue', rescue_password: 'pw' });
    assert.equal(noRescue.status, 400, noRescue.text);
    assert.match(faultOf(noRescue.body), /does not support rescue .*"no-rescue"\. Set rescue_interface to agent first/);
    assert.equal(
      (await api(stack, 'PATCH', `/v1/nodes/${id}`, [{ op: 'replace', path: '/rescue_interface', value: 'agent' }])).status,
      200,
    );
    // rescue_interface is a 1.38 field: hidden and refused below it.
    const old = await api(stack, 'GET', `/v1/nodes/${id}`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.37' });
    assert.equal(old.body.rescue_interface, undefined);
    const unknown = await api(stack, 'PATCH', `/v1/nodes/${id}`, [{ op: 'replace', path: '/rescue_interface', value: 'bogus' }]);
    assert.equal(unknown.status, 400, unknown.text);

    // In maintenance: 400.
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${id}/maintenance`, { reason: 'rescue test' })).status, 202);
    const maint = await put({ target: 'rescue', rescue_password: 'pw' });
    assert.equal(maint.status, 400, maint.text);
    assert.match(faultOf(maint.body), /maintenance mode/);
    assert.equal((await api(stack, 'DELETE', `/v1/nodes/${id}/maintenance`)).status, 202);

    const after = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
    assert.equal(after.provision_state, 'active');
    assert.deepEqual(after.instance_info, before.instance_info, 'no hash stored by a refused request');
    assert.equal(after.last_error, before.last_error);
  });

  test('rescue on an available node is a state error; available nodes have nothing to rescue', async () => {
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'spare', rescue_interface: 'agent' });
    assert.equal(r.status, 201, r.text);
    const res = await api(stack, 'PUT', `/v1/nodes/${r.body.uuid}/states/provision`, { target: 'rescue', rescue_password: 'pw' });
    assert.equal(res.status, 409, res.text);
    assert.match(faultOf(res.body), /"rescue" can not be performed on node .* in state "enroll"/);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${r.body.uuid}`)).body.instance_info, {});
  });
});
