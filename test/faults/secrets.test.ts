// Secrets stay secret, end to end. A node's BMC password (distinctive random values)
// goes through every path a secret can take: enroll, PATCH, power on/off and boot
// device against a real ipmi_sim BMC, manage, provide (cleaning), deploy over iSCSI on
// a lab node, undeploy, a power action that fails on a wrong password, the periodic
// power sync, and every read route; a redfish node's password (redfish_password) the same against the lab's
// Redfish BMC. Then we look for the passwords, the API token and
// the per-deployment secrets (ramdisk secret, CHAP) everywhere they could leak: every
// response body and header; the API's log; the log file of the worker (its own process,
// IRONFLOW_LOG_LEVEL=debug, Temporal's own log lines included); process command lines,
// sampled while it all runs; the Temporal history of every workflow the stack ran,
// payloads decoded; the database rows and the SQLite file, where they must be sealed;
// and, for the BMC passwords only, the boot files and the lab's consoles (deployment
// secrets reach the node by design). This is the one place that proves "never in
// clear"; other tests check only their own paths.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseTokens } from '#apps/api/src/config';
import { isSealed, openValue } from '#prisma/sealed-json';
import { historyText } from '../support/history-text';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor, type Proc } from '../support/procs';
import { startLab, type Lab } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { startImageServer, type ImageServer } from '../lab/image-server';
import { fastRamdisk, startWorkerProcess } from './fault-kit';
import { MemoryBackend } from '../lab/redfish-bmc/memory-backend';
import { startRedfishBmc, type RedfishBmc } from '../lab/redfish-bmc/server';

const MiB = 1024 * 1024;
// IPMI passwords are at most 20 bytes: 'pw-' and 16 hex digits.
const pw = () => `pw-${crypto.randomBytes(8).toString('hex')}`;

/** Every file under dir (recursively), as text. */
function filesText(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  let out = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += fs.readFileSync(path.join(e.parentPath, e.name), 'latin1');
  }
  return out;
}

/** Samples every process's command line every 50 ms (short-lived ones may slip between samples). */
function sampleArgv(): { stop(): { samples: number; text: string } } {
  const seen = new Set<string>();
  let samples = 0;
  const timer = setInterval(() => {
    samples++;
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        seen.add(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '));
      } catch {
        /* gone already */
      }
    }
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return { samples, text: [...seen].join('\n') };
    },
  };
}

describe('secrets never appear in clear', () => {
  const ADMIN = `tok-${crypto.randomBytes(16).toString('hex')}`;
  const OLD = pw(); // enrolled with it, then replaced
  const REAL = pw(); // the lab BMC's password
  const WRONG = pw(); // set at the end: a power action fails on it
  // A redfish node's password (redfish_password) takes the same paths against the lab's Redfish BMC.
  const RF_OLD = pw();
  const RF_REAL = pw();
  const RF_WRONG = pw();
  /** What must never show, by name; the deploy adds its deployment secret and CHAP password. */
  const SECRETS: Record<string, string> = { OLD, REAL, WRONG, ADMIN, RF_OLD, RF_REAL, RF_WRONG };
  const image = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'secrets' });
  const digest = crypto.createHash('sha256').update(image).digest('hex');
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let worker: Proc;
  let redfish: RedfishBmc;
  let work: string;
  let argv: { samples: number; text: string } | undefined;
  /** Every response the test saw: status line, headers and body. */
  const transcript: string[] = [];

  const call = async (method: string, p: string, body?: unknown) => {
    const r = await api(stack, method, p, body, { 'X-Auth-Token': ADMIN });
    transcript.push(`${method} ${p} ${r.status}\n${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${r.text}`);
    return r;
  };
  const node = async (id: string) => (await call('GET', `/v1/nodes/${id}`)).body;
  async function act(id: string, p: string, body: unknown, want: { power?: string; provision?: string }): Promise<any> {
    const r = await call('PUT', `/v1/nodes/${id}/${p}`, body);
    assert.equal(r.status, 202, r.text);
    return waitFor(
      async () => {
        const n = await node(id);
        if (n.target_power_state !== null || n.target_provision_state !== null || n.reservation !== null) return undefined;
        if (want.provision && n.provision_state !== want.provision) throw new Error(`node is ${n.provision_state}: ${n.last_error}`);
        if (want.power && n.power_state !== want.power) throw new Error(`node is ${n.power_state}: ${n.last_error}`);
        return n;
      },
      180_000,
      JSON.stringify(want),
    );
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-secrets-'));
    images = await startImageServer();
    images.images.set('disk.raw', { data: image });
    stack = await startStack({
      worker: false,
      automatedClean: 'metadata',
      auth: { mode: 'token', tokens: parseTokens(`ops:admin:${ADMIN}`) },
    });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: 64 * MiB,
      password: REAL,
      ramdiskEnv: fastRamdisk,
    });
    redfish = await startRedfishBmc({
      dir: path.join(work, 'redfish'),
      password: RF_REAL,
      systems: [{ id: 'rf', backend: new MemoryBackend() }],
    });
    // The worker as its own process, logging everything it logs at debug level to a file.
    worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker.log'), logLevel: 'debug', powerSyncIntervalSec: 2 });
  });
  after(async () => {
    await worker?.stop();
    await lab?.stop();
    await redfish?.stop();
    await stack?.stop();
    await images?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a node lives its whole life through the stack', async () => {
    const sampler = sampleArgv();
    const n = lab.nodes[0]!;
    const c = await call('POST', '/v1/nodes', {
      driver: 'ipmi',
      name: 'secret-node',
      driver_info: { ipmi_address: n.bmc.address, ipmi_port: n.bmc.port, ipmi_username: n.bmc.username, ipmi_password: OLD },
      instance_info: { image_source: images.url('disk.raw'), image_checksum: `sha256:${digest}` },
    });
    assert.equal(c.status, 201, c.text);
    assert.equal(c.body.driver_info.ipmi_password, '******');
    const id = c.body.uuid;
    assert.equal((await call('POST', '/v1/ports', { address: n.mac, node_uuid: id })).status, 201);
    const p = await call('PATCH', `/v1/nodes/${id}`, [{ op: 'replace', path: '/driver_info/ipmi_password', value: REAL }]);
    assert.equal(p.status, 200, p.text);

    await act(id, 'states/power', { target: 'power on' }, { power: 'power on' });
    assert.equal(n.power(), 'on');
    await act(id, 'states/power', { target: 'power off' }, { power: 'power off' });
    assert.equal((await call('PUT', `/v1/nodes/${id}/management/boot_device`, { boot_device: 'pxe' })).status, 204);
    assert.equal((await call('GET', `/v1/nodes/${id}/management/boot_device`)).body.boot_device, 'pxe');
    await act(id, 'states/provision', { target: 'manage' }, { provision: 'manageable' });
    await act(id, 'states/provision', { target: 'provide' }, { provision: 'available' });
    await act(id, 'states/provision', { target: 'active' }, { provision: 'active' });
    assert.equal((await call('GET', `/v1/nodes/${id}/operation`)).body.status, 'succeeded');
    await act(id, 'states/provision', { target: 'deleted' }, { provision: 'available' });
    // The per-deployment secrets the worker made: they may reach the node (boot files) but never Temporal or a log.
    for (const [i, d] of (await stack.db.deployment.findMany({ where: { nodeUuid: id } })).entries()) {
      SECRETS[`deployment ${i} secret`] = openValue(d.secret, stack.cfg.keys);
      if (d.chap) SECRETS[`deployment ${i} CHAP secret`] = (JSON.parse(openValue(d.chap, stack.cfg.keys)) as { secret: string }).secret;
    }
    assert.ok(Object.keys(SECRETS).length >= 10, 'cleaning, deploy and undeploy each had a deployment with a CHAP secret');

    // Let the power sync read the BMC at least once more with the real password.
    await new Promise((r) => setTimeout(r, 3000));
    // A wrong password: the power action fails, and says why without echoing it.
    assert.equal(
      (await call('PATCH', `/v1/nodes/${id}`, [{ op: 'replace', path: '/driver_info/ipmi_password', value: WRONG }])).status,
      200,
    );
    assert.equal((await call('PUT', `/v1/nodes/${id}/states/power`, { target: 'power on' })).status, 202);
    const failed = await waitFor(
      async () => {
        const x = await node(id);
        return x.target_power_state === null && x.reservation === null && x.last_error ? x : undefined;
      },
      180_000,
      'the power action to fail',
    );
    assert.match(failed.last_error, /./);

    // A redfish node: enroll, PATCH the password, manage (power sync reads it from then on), power, boot device, a failed login.
    const rf = await call('POST', '/v1/nodes', {
      driver: 'redfish',
      name: 'secret-redfish',
      driver_info: {
        redfish_address: redfish.url,
        redfish_system_id: redfish.systemPath('rf'),
        redfish_username: redfish.username,
        redfish_password: RF_OLD,
        redfish_verify_ca: redfish.caFile,
      },
    });
    assert.equal(rf.status, 201, rf.text);
    assert.equal(rf.body.driver_info.redfish_password, '******');
    const rfId = rf.body.uuid;
    const rp = await call('PATCH', `/v1/nodes/${rfId}`, [{ op: 'replace', path: '/driver_info/redfish_password', value: RF_REAL }]);
    assert.equal(rp.status, 200, rp.text);
    await act(rfId, 'states/provision', { target: 'manage' }, { provision: 'manageable' });
    await act(rfId, 'states/power', { target: 'power on' }, { power: 'power on' });
    await act(rfId, 'states/power', { target: 'power off' }, { power: 'power off' });
    assert.equal((await call('PUT', `/v1/nodes/${rfId}/management/boot_device`, { boot_device: 'pxe' })).status, 204);
    assert.equal((await call('GET', `/v1/nodes/${rfId}/management/boot_device`)).body.boot_device, 'pxe');
    await new Promise((r) => setTimeout(r, 3000)); // power sync reads the Redfish BMC too
    assert.ok(redfish.stats.sessionsCreated >= 1);
    assert.equal(
      (await call('PATCH', `/v1/nodes/${rfId}`, [{ op: 'replace', path: '/driver_info/redfish_password', value: RF_WRONG }])).status,
      200,
    );
    assert.equal((await call('PUT', `/v1/nodes/${rfId}/states/power`, { target: 'power on' })).status, 202);
    const rfFailed = await waitFor(
      async () => {
        const x = await node(rfId);
        return x.target_power_state === null && x.reservation === null && x.last_error ? x : undefined;
      },
      180_000,
      'the redfish power action to fail',
    );
    assert.match(rfFailed.last_error, /refused the credentials/);
    for (const r of ['', '/validate', '/history']) assert.equal((await call('GET', `/v1/nodes/${rfId}${r}`)).status, 200, r);

    for (const r of ['', '/states', '/validate', '/ports', '/history', '/history/detail', '/operation']) {
      assert.equal((await call('GET', `/v1/nodes/${id}${r}`)).status, 200, r);
    }
    for (const r of ['/v1/nodes', '/v1/nodes/detail', '/v1/nodes?fields=driver_info,instance_info', '/v1/ports/detail']) {
      assert.equal((await call('GET', r)).status, 200, r);
    }
    argv = sampler.stop();
  });

  const leaks = (text: string) =>
    Object.entries(SECRETS)
      .filter(([, s]) => text.includes(s) || text.includes(Buffer.from(s).toString('base64')))
      .map(([k]) => k);

  test('not in any response body or header', () => {
    assert.ok(transcript.length > 30);
    const text = transcript.join('\n');
    assert.ok(text.includes('******'), 'the transcript shows masked values');
    assert.deepEqual(leaks(text), []);
  });

  test('not in the API log, the worker log, command lines, the boot files or the lab consoles', () => {
    const workerLog = fs.readFileSync(path.join(work, 'worker.log'), 'utf8');
    assert.match(workerLog, /"workflowType":"deployNode"/, 'the worker logged the deploy');
    assert.match(stack.logs(), /"svc":"api"/);
    assert.deepEqual(leaks(stack.logs()), [], 'API log');
    assert.deepEqual(leaks(workerLog), [], 'worker log');
    const bmcOnly = (found: string[]) => found.filter((k) => !k.startsWith('deployment'));
    assert.ok(argv && argv.samples > 100 && argv.text.includes('ipmi_sim'), 'command lines were sampled throughout');
    assert.deepEqual(bmcOnly(leaks(argv.text)), [], 'no command line seen held a BMC password or the token');
    assert.deepEqual(bmcOnly(leaks(filesText(stack.data.bootRoot))), [], 'boot root');
    assert.deepEqual(bmcOnly(leaks(lab.nodes[0]!.consoleLog())), [], 'lab console');
  });

  test('not in the Temporal history of any workflow the stack ran', async () => {
    const types = new Set<string>();
    let histories = 0;
    for await (const w of stack.temporal.workflow.list({ query: `TaskQueue = '${stack.cfg.temporal.taskQueue}'` })) {
      types.add(w.type);
      const h = await stack.temporal.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
      const text = historyText(h);
      assert.deepEqual(leaks(text), [], `${w.type} ${w.workflowId}`);
      histories++;
    }
    for (const t of [
      'changePowerState',
      'setBootDevice',
      'getBootDevice',
      'manageNode',
      'cleanNode',
      'deployNode',
      'teardownNode',
      'syncPowerStates',
    ]) {
      assert.ok(types.has(t), `a ${t} workflow ran (saw ${[...types].join(', ')})`);
    }
    assert.ok(histories >= 9);
  });

  test('sealed at rest: not in any database row, nor anywhere in the database file', async () => {
    const rows = await Promise.all([
      stack.db.node.findMany(),
      stack.db.port.findMany(),
      stack.db.historyEvent.findMany(),
      stack.db.operation.findMany(),
      stack.db.deployment.findMany(),
    ]);
    assert.deepEqual(leaks(JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))), []);
    const info = JSON.parse(rows[0][0]!.driverInfo) as Record<string, unknown>;
    assert.ok(isSealed(info.ipmi_password), 'ipmi_password is stored sealed');
    const rfRow = rows[0].find((r) => r.name === 'secret-redfish')!;
    assert.ok(isSealed((JSON.parse(rfRow.driverInfo) as Record<string, unknown>).redfish_password), 'redfish_password is stored sealed');
    if (stack.database.provider === 'sqlite') {
      // Pages, WAL and journal: a value ever written in clear could linger in free pages.
      const file = stack.database.url.slice('file:'.length);
      const bytes = [file, `${file}-wal`, `${file}-journal`]
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f, 'latin1'))
        .join('');
      assert.ok(bytes.length > 0);
      assert.deepEqual(leaks(bytes), [], 'database file');
    }
  });
});
