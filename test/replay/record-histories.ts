// `npm run record-histories [-- <fixture>...]`: runs real operations on the simulated lab
// (ipmi_sim BMCs, simulated servers PXE-booting the deploy ramdisk, tgtd, qemu-img) against
// a real Temporal dev server, and writes each operation's workflow history as a JSON fixture
// under test/replay/histories/ for replay.test.ts. With no names it records every fixture and
// replaces every history there; with names it runs only the scenarios that make them and
// writes only their files (the others, earlier code's histories, stay byte for byte). Refuses
// to write if any history holds a secret (BMC password, deployment secret, CHAP secret, image
// token, the sealing key, a rescue password or its hash). See test/replay/README.md.
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
import { ipmitool } from '../lab/ipmitool';
import { powerSyncWorkflowId } from '#workflows/contracts/power';
import { FIXTURE_WORKFLOWS, FIXTURES, type FixtureName } from './fixtures';
import { decodedPayloads, historyToFile } from './history-file';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const log = (s: string) => process.stderr.write(`record-histories: ${s}\n`);

/** The operations, in the order they run, each on its own lab node(s), and the fixtures each makes. */
const SCENARIOS = {
  iscsi: {
    labNodes: 1,
    fixtures: [
      'manage',
      'provide-erase-metadata',
      'deploy-iscsi',
      'power-off',
      'power-on',
      'power-soft-off',
      'boot-device',
      'undeploy-erase-metadata',
    ],
  },
  direct: { labNodes: 1, fixtures: ['provide-no-erase', 'deploy-failed-checksum', 'deploy-direct'] },
  adopt: { labNodes: 1, fixtures: ['adopt'] },
  inspect: { labNodes: 1, fixtures: ['inspect'] },
  rescue: { labNodes: 1, fixtures: ['rescue', 'unrescue'] },
  nmi: { labNodes: 1, fixtures: ['inject-nmi', 'inject-nmi-refused'] },
  powerSync: { labNodes: 1, fixtures: ['power-sync'] },
} satisfies Record<string, { labNodes: number; fixtures: FixtureName[] }>;
type ScenarioName = keyof typeof SCENARIOS;

/** The fixtures named on the command line (all without names), and the scenarios that make them. */
function selection(args: string[]): { wanted: Set<FixtureName>; scenarios: ScenarioName[] } {
  const all = Object.entries(SCENARIOS).flatMap(([, s]) => s.fixtures as FixtureName[]);
  const twice = all.filter((f, i) => all.indexOf(f) !== i);
  const orphans = FIXTURES.filter((f) => !all.includes(f));
  if (twice.length || orphans.length) throw new Error(`SCENARIOS: made twice: [${twice}], made by none: [${orphans}]`);
  const unknown = args.filter((a) => !(FIXTURES as string[]).includes(a));
  if (unknown.length) throw new Error(`unknown fixture(s): ${unknown.join(', ')}; known: ${FIXTURES.join(', ')}`);
  const wanted = new Set<FixtureName>(args.length ? (args as FixtureName[]) : FIXTURES);
  const scenarios = (Object.keys(SCENARIOS) as ScenarioName[]).filter((n) =>
    (SCENARIOS[n].fixtures as FixtureName[]).some((f) => wanted.has(f)),
  );
  return { wanted, scenarios };
}

async function main(args: string[]): Promise<void> {
  const t0 = Date.now();
  const { wanted, scenarios } = selection(args);
  const subset = args.length > 0;
  log(`recording ${[...wanted].join(', ')} (scenarios: ${scenarios.join(', ')})`);
  const labNodes = scenarios.reduce((k, n) => k + SCENARIOS[n].labNodes, 0);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-record-'));
  const images = await startImageServer();
  const image = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'recorded' });
  images.images.set('disk.raw', { data: image });
  const stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
  const lab = await startLab({
    nodes: labNodes,
    dir: path.join(work, 'lab'),
    tftpRoot: stack.data.bootRoot,
    diskSize: 32 * MiB,
    ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
  });
  /** Each fixture's file, and the same history with its payloads decoded (the file holds them in base64). */
  const recorded = new Map<FixtureName, { file: string; payloads: string }>();
  // Secrets only a scenario knows (rescue passwords and their hashes); the rest are gathered at the end.
  const secrets: string[] = [];
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
      const file = historyToFile(await h.fetchHistory());
      recorded.set(name, { file, payloads: decodedPayloads(file) });
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

    const run: Record<ScenarioName, (ln: LabNode[]) => Promise<void>> = {
      iscsi: async (ln) => {
        // iscsi: manage, provide with a metadata erase, deploy, power and boot device, undeploy (erase).
        const a = await enroll(ln[0]!, 'iscsi', {});
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
      },
      direct: async (ln) => {
        // direct, no automated cleaning: a deploy that fails (wrong checksum), then one that succeeds.
        const b = await enroll(ln[0]!, 'direct', { automated_clean: false });
        await act(b, 'manage');
        await settle(b, 'manageable');
        await act(b, 'provide');
        await settle(b, 'available');
        await record('provide-no-erase', b);
        await api(stack, 'PATCH', `/v1/nodes/${b}`, [
          { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${'0'.repeat(64)}` },
        ]);
        await act(b, 'active');
        await settle(b, 'deploy failed').catch(() => undefined);
        await record('deploy-failed-checksum', b);
        await api(stack, 'PATCH', `/v1/nodes/${b}`, [
          { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${sha256(image)}` },
        ]);
        await act(b, 'active');
        await settle(b, 'active');
        await record('deploy-direct', b);
      },
      // A node that already runs an OS (the image on its disk, booted from it) is taken over: manageable → active.
      adopt: async (ln) => {
        const n = ln[0]!;
        const fd = fs.openSync(n.diskPath, 'r+');
        fs.writeSync(fd, image, 0, image.length, 0);
        fs.closeSync(fd);
        await ipmitool(n.bmc, 'chassis', 'bootdev', 'disk');
        await ipmitool(n.bmc, 'power', 'on');
        await waitFor(async () => n.readBoot()?.source === 'disk', 30_000, 'disk boot');
        const c = await enroll(n, 'iscsi', {});
        await act(c, 'manage');
        await settle(c, 'manageable');
        await act(c, 'adopt');
        await settle(c, 'active');
        await record('adopt', c);
      },
      // Agent inspection: the ramdisk boots in inspect mode over PXE, reports the inventory; back to manageable.
      inspect: async (ln) => {
        const d = await enroll(ln[0]!, 'iscsi', { inspect_interface: 'agent' });
        await act(d, 'manage');
        await settle(d, 'manageable');
        await act(d, 'inspect');
        await settle(d, 'manageable');
        const n = await node(d);
        if (!n.inspection_finished_at) throw new Error(`inspect: not finished: ${n.last_error}`);
        await record('inspect', d);
      },
      // Deployed (iscsi, no cleaning), rescued (the ramdisk in rescue mode with the password's hash), unrescued.
      rescue: async (ln) => {
        const n = ln[0]!;
        const e = await enroll(n, 'iscsi', { automated_clean: false, rescue_interface: 'agent' });
        for (const [target, want] of [
          ['manage', 'manageable'],
          ['provide', 'available'],
          ['active', 'active'],
        ] as const) {
          await act(e, target);
          await settle(e, want);
        }
        const password = `rescue-${crypto.randomBytes(9).toString('base64url')}`;
        secrets.push(password);
        const r = await api(stack, 'PUT', `/v1/nodes/${e}/states/provision`, { target: 'rescue', rescue_password: password });
        if (r.status !== 202) throw new Error(`rescue: HTTP ${r.status} ${r.text}`);
        await settle(e, 'rescue');
        // The hash the ramdisk got over its callback and wrote for the `rescue` account.
        const shadow = fs.readFileSync(path.join(n.nodeDir, 'ramdisk', 'rescue-root', 'etc', 'shadow'), 'utf8');
        const hash = /^rescue:(\$6\$[^:]+):/m.exec(shadow)?.[1];
        if (!hash) throw new Error(`rescue: no hash for the rescue account in ${shadow}`);
        // Any SHA-512 crypt hash in a history is a leak (the second password's too).
        secrets.push(hash, '$6$');
        await record('rescue', e);
        await act(e, 'unrescue');
        await settle(e, 'active');
        await record('unrescue', e);
      },
      // inject_nmi on fake-hardware (succeeds) and through IPMI (ipmi_sim refuses it with 0xcc: the failure path).
      nmi: async (ln) => {
        const n = ln[0]!;
        const fake = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'nmi-fake' });
        if (fake.status !== 201) throw new Error(`enroll: HTTP ${fake.status} ${fake.text}`);
        const ok = await api(stack, 'PUT', `/v1/nodes/${fake.body.uuid}/management/inject_nmi`, {});
        if (ok.status !== 204) throw new Error(`inject nmi (fake-hardware): HTTP ${ok.status} ${ok.text}`);
        await record('inject-nmi', fake.body.uuid);
        const ipmi = await enroll(n, 'iscsi', {});
        const refused = await api(stack, 'PUT', `/v1/nodes/${ipmi}/management/inject_nmi`, {});
        if (refused.status !== 500 || !/0xcc/i.test(refused.text))
          throw new Error(`inject nmi (ipmi_sim): expected its 0xcc refusal, got HTTP ${refused.status} ${refused.text}`);
        await record('inject-nmi-refused', ipmi);
      },
      powerSync: async (ln) => {
        // The periodic power sync (it never ends by itself): three passes over one manageable
        // node (the first records its power state, the others find nothing changed), then
        // terminated so the history has an end.
        const id = await enroll(ln[0]!, 'iscsi', {});
        await act(id, 'manage');
        await settle(id, 'manageable');
        await stack.db.node.update({ where: { uuid: id }, data: { powerState: null } });
        await stack.startPowerSync({ intervalSec: 1, jitterMs: 0 });
        const h = stack.temporal.workflow.getHandle(powerSyncWorkflowId(stack.cfg.temporal.taskQueue));
        const seen = new Set<string>();
        await waitFor(
          async () => {
            const p = await h.query<{ passId: string; changed: number } | null>('lastPowerSyncPass').catch(() => null);
            if (p) seen.add(p.passId);
            return seen.size >= 3;
          },
          60_000,
          'power-sync: three passes',
        );
        await h.terminate('recorded');
        const file = historyToFile(await h.fetchHistory());
        recorded.set('power-sync', { file, payloads: decodedPayloads(file) });
        log(`power-sync: syncPowerStates, ${seen.size} passes`);
      },
    };
    let next = 0;
    for (const name of scenarios) {
      const k = SCENARIOS[name].labNodes;
      await run[name](lab.nodes.slice(next, next + k));
      next += k;
    }

    // No secret may reach a committed fixture.
    secrets.push(stack.cfg.keys.primary.toString('hex'), stack.cfg.keys.primary.toString('base64'));
    for (const n of lab.nodes) secrets.push(n.bmc.password);
    const store = createDeploymentStore(stack.db, stack.cfg.keys);
    for (const d of await stack.db.deployment.findMany()) {
      const s = await store.secrets(d.id);
      secrets.push(s.secret, ...(s.chap ? [s.chap.secret] : []), ...(s.imageToken ? [s.imageToken] : []));
    }
    for (const [name, { file, payloads }] of recorded) {
      const leaked = secrets.filter((s) => s && (file.includes(s) || payloads.includes(s)));
      if (leaked.length) throw new Error(`${name}: the history holds ${leaked.length} secret(s); nothing written`);
    }
    const missing = [...wanted].filter((f) => !recorded.has(f));
    if (missing.length) throw new Error(`not recorded: ${missing.join(', ')}`);
  } finally {
    await lab.stop();
    await stack.stop();
    await images.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const dir = path.join(repoRoot(), 'test', 'replay', 'histories');
  fs.mkdirSync(dir, { recursive: true });
  // All: the current code's histories replace every one there. Named: only those files.
  if (!subset) for (const f of fs.readdirSync(dir)) if (f.endsWith('.json')) fs.rmSync(path.join(dir, f));
  for (const name of wanted) fs.writeFileSync(path.join(dir, `${name}.json`), recorded.get(name)!.file);
  log(`wrote ${wanted.size} histories to ${path.relative(repoRoot(), dir)}/ in ${Math.round((Date.now() - t0) / 1000)} s`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
