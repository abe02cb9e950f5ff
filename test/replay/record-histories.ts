// `npm run record-histories`: runs real operations on the simulated lab (ipmi_sim
// BMCs, simulated servers PXE-booting the deploy ramdisk, tgtd, qemu-img) against a
// real Temporal dev server, and writes each operation's workflow history as a JSON
// fixture under test/replay/histories/ for replay.test.ts. Refuses to write if any
// history holds a secret (BMC password, deployment secret, CHAP secret, image token,
// the sealing key). See test/replay/README.md.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { createDeploymentStore } from '#activities/deploy/deployments';
import { api, startStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type LabNode } from '../lab/lab';
import { makeDemoImage } from '../lab/demo-image';
import { startImageServer } from '../lab/image-server';
import { FIXTURE_WORKFLOWS, FIXTURES, type FixtureName } from './fixtures';
import { historyToFile } from './history-file';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const log = (s: string) => process.stderr.write(`record-histories: ${s}\n`);

async function main(): Promise<void> {
  const t0 = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-record-'));
  const images = await startImageServer();
  const image = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'recorded' });
  images.images.set('disk.raw', { data: image });
  const stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
  const lab = await startLab({
    nodes: 2,
    dir: path.join(work, 'lab'),
    tftpRoot: stack.data.bootRoot,
    diskSize: 32 * MiB,
    ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
  });
  const recorded = new Map<FixtureName, string>();
  try {
    const node = (id: string) => api(stack, 'GET', `/v1/nodes/${id}`).then((r) => r.body);
    const settle = (id: string, want: string) =>
      waitFor(
        async () => {
          const n = await node(id);
          if (n.target_provision_state === null && n.provision_state !== want)
            throw new Error(`node is ${n.provision_state}: ${n.last_error}`);
          return n.provision_state === want && n.target_provision_state === null ? n : undefined;
        },
        300_000,
        want,
      );
    const act = async (id: string, target: string) => {
      const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
      if (r.status !== 202) throw new Error(`${target}: HTTP ${r.status} ${r.text}`);
    };
    /** The node's newest operation (the one just settled), once its workflow has ended, as a fixture. */
    const record = async (name: FixtureName, id: string) => {
      const op = await waitFor(
        async () => (await stack.db.operation.findFirst({ where: { nodeUuid: id }, orderBy: { id: 'desc' } })) ?? undefined,
        60_000,
        `${name}: operation`,
      );
      const h = stack.temporal.workflow.getHandle(op.workflowId, op.runId);
      const d = await waitFor(
        async () => {
          const x = await h.describe();
          return x.status.name !== 'RUNNING' ? x : undefined;
        },
        120_000,
        `${name}: workflow closed`,
      );
      if (d.type !== FIXTURE_WORKFLOWS[name])
        throw new Error(`${name}: the newest operation is a ${d.type}, not a ${FIXTURE_WORKFLOWS[name]}`);
      recorded.set(name, historyToFile(await h.fetchHistory()));
      log(`${name}: ${d.type} ${d.status.name}`);
    };
    const enroll = async (n: LabNode, deployInterface: string, extra: Record<string, unknown>) => {
      const r = await api(stack, 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name: n.name,
        deploy_interface: deployInterface,
        ...extra,
        driver_info: { ipmi_address: n.bmc.address, ipmi_port: n.bmc.port, ipmi_username: n.bmc.username, ipmi_password: n.bmc.password },
        instance_info: { image_source: images.url('disk.raw'), image_checksum: `sha256:${sha256(image)}` },
      });
      if (r.status !== 201) throw new Error(`enroll: HTTP ${r.status} ${r.text}`);
      await api(stack, 'POST', '/v1/ports', { address: n.mac, node_uuid: r.body.uuid });
      return r.body.uuid as string;
    };
    const power = async (name: FixtureName, id: string, body: Record<string, unknown>, want: string) => {
      const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/power`, body);
      if (r.status !== 202) throw new Error(`power: HTTP ${r.status} ${r.text}`);
      await waitFor(
        async () => {
          const n = await node(id);
          return n.target_power_state === null && n.power_state === want;
        },
        60_000,
        want,
      );
      await record(name, id);
    };

    // Node 0, iscsi: manage, provide with a metadata erase, deploy, power and boot device, undeploy (erase).
    const a = await enroll(lab.nodes[0]!, 'iscsi', {});
    await act(a, 'manage');
    await settle(a, 'manageable');
    await record('manage', a);
    await act(a, 'provide');
    await settle(a, 'available');
    await record('provide-erase-metadata', a);
    await act(a, 'active');
    await settle(a, 'active');
    await record('deploy-iscsi', a);
    await power('power-off', a, { target: 'power off' }, 'power off');
    await power('power-on', a, { target: 'power on' }, 'power on');
    // ipmi_sim ignores the ACPI request: soft off falls through to hard off after 2 s.
    await power('power-soft-off', a, { target: 'soft power off', timeout: 2 }, 'power off');
    const bd = await api(stack, 'PUT', `/v1/nodes/${a}/management/boot_device`, { boot_device: 'disk', persistent: true });
    if (bd.status !== 204) throw new Error(`boot device: HTTP ${bd.status} ${bd.text}`);
    await record('boot-device', a);
    await act(a, 'deleted');
    await settle(a, 'available');
    await record('undeploy-erase-metadata', a);

    // Node 1, direct, no automated cleaning: a deploy that fails (wrong checksum), then one that succeeds.
    const b = await enroll(lab.nodes[1]!, 'direct', { automated_clean: false });
    await act(b, 'manage');
    await settle(b, 'manageable');
    await act(b, 'provide');
    await settle(b, 'available');
    await record('provide-no-erase', b);
    await api(stack, 'PATCH', `/v1/nodes/${b}`, [{ op: 'add', path: '/instance_info/image_checksum', value: `sha256:${'0'.repeat(64)}` }]);
    await act(b, 'active');
    await settle(b, 'deploy failed').catch(() => undefined);
    await record('deploy-failed-checksum', b);
    await api(stack, 'PATCH', `/v1/nodes/${b}`, [{ op: 'add', path: '/instance_info/image_checksum', value: `sha256:${sha256(image)}` }]);
    await act(b, 'active');
    await settle(b, 'active');
    await record('deploy-direct', b);

    // No secret may reach a committed fixture.
    const secrets: string[] = [stack.cfg.keys.primary.toString('hex'), stack.cfg.keys.primary.toString('base64')];
    for (const n of lab.nodes) secrets.push(n.bmc.password);
    const store = createDeploymentStore(stack.db, stack.cfg.keys);
    for (const d of await stack.db.deployment.findMany()) {
      const s = await store.secrets(d.id);
      secrets.push(s.secret, ...(s.chap ? [s.chap.secret] : []), ...(s.imageToken ? [s.imageToken] : []));
    }
    for (const [name, text] of recorded) {
      const leaked = secrets.filter((s) => s && text.includes(s));
      if (leaked.length) throw new Error(`${name}: the history holds ${leaked.length} secret(s); nothing written`);
    }
    const missing = FIXTURES.filter((f) => !recorded.has(f));
    if (missing.length) throw new Error(`not recorded: ${missing.join(', ')}`);
  } finally {
    await lab.stop();
    await stack.stop();
    await images.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const dir = path.join(repoRoot(), 'test', 'replay', 'histories');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) fs.rmSync(path.join(dir, f));
  for (const [name, text] of recorded) fs.writeFileSync(path.join(dir, `${name}.json`), text);
  log(`wrote ${recorded.size} histories to ${path.relative(repoRoot(), dir)}/ in ${Math.round((Date.now() - t0) / 1000)} s`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
