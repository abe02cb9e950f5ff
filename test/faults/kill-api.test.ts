// Crash safety of the API: kill -9 the API *process* while it serves a burst of
// concurrent writes (node and port creates, manage/provide, power actions), at a
// random moment, several rounds (seeded: IRONFLOW_FAULT_SEED). After a restart and
// once the workflows have settled, the database must hold nothing half made:
// - every node row came with its enrollment history event, and no such event lacks its node;
// - every port points at an existing node and came with its history event;
// - every operation row has its workflow run in Temporal, every node-<uuid> run on our
//   task queue has its operation row (the API records the start after starting the run;
//   when it dies in between, the run's first activity records it), and both agree on
//   the outcome;
// - no node is left reserved (a running operation) or with a target state;
// - every write the API acknowledged (201/202) is there.
// Real parts: the API is its own process (dist/apps/api/src/main.js); the worker,
// Temporal and the ipmi_sim BMCs are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { api, startStack, type TestStack } from '../support/stack';
import { freeTcpPort, startProcess, waitFor, waitForTcp, type Proc } from '../support/procs';
import { startBmcs, stopBmcs, type Bmc } from '../support/bmc-sim';
import { seededRandom } from '../support/udp-relay';

const ROUNDS = 4;
const BURST = 10; // new nodes per round, each driven through create → port → manage → provide → power on
const SEED = Number(process.env.IRONFLOW_FAULT_SEED ?? 20261121);

interface Acked {
  nodes: Set<string>;
  ports: Set<string>;
  /** Request ids of accepted (202) provision and power requests. */
  accepted: Set<string>;
}

describe('kill -9 the API process mid-request', () => {
  let stack: TestStack;
  let bmcs: Bmc[];
  let work: string;
  let apiProc: Proc | undefined;
  let apiUrl = '';
  const random = seededRandom(SEED);
  const acked: Acked = { nodes: new Set(), ports: new Set(), accepted: new Set() };

  async function startApi(n: number): Promise<void> {
    const port = await freeTcpPort();
    apiProc = startProcess(process.execPath, [path.join(repoRoot(), 'dist', 'apps', 'api', 'src', 'main.js')], {
      logFile: path.join(work, `api-${n}.log`),
      env: {
        ...process.env,
        DATABASE_URL: stack.database.url,
        TEMPORAL_ADDRESS: stack.cfg.temporal.address,
        IRONFLOW_TASK_QUEUE: stack.cfg.temporal.taskQueue,
        IRONFLOW_SECRET_KEY: stack.cfg.keys.primary.toString('hex'),
        IRONFLOW_DATA_DIR: work,
        IRONFLOW_API_HOST: '127.0.0.1',
        IRONFLOW_API_PORT: String(port),
        IRONFLOW_AUTOMATED_CLEAN: 'none',
        IRONFLOW_LOG_LEVEL: 'warn',
      },
    });
    await waitForTcp(port, 60_000);
    apiUrl = `http://127.0.0.1:${port}`;
  }

  /** One request; a dead API (connection refused or reset) answers undefined. */
  async function call(
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: any; requestId: string | null } | undefined> {
    try {
      const r = await api({ url: apiUrl }, method, p, body);
      return { status: r.status, body: r.body, requestId: r.headers.get('x-openstack-request-id') };
    } catch {
      return undefined;
    }
  }

  /** Drives one node as far as the API lets it before it dies; records what was acknowledged. */
  async function lifecycle(name: string, bmc: Bmc, mac: string): Promise<void> {
    const created = await call('POST', '/v1/nodes', {
      driver: 'ipmi',
      name,
      driver_info: { ipmi_address: bmc.address, ipmi_port: bmc.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
    });
    if (created?.status !== 201) return;
    const id = created.body.uuid as string;
    acked.nodes.add(id);
    const port = await call('POST', '/v1/ports', { address: mac, node_uuid: id });
    if (port?.status !== 201) return;
    acked.ports.add(port.body.uuid);
    for (const [kind, target, want] of [
      ['provision', 'manage', 'manageable'],
      ['provision', 'provide', 'available'],
      ['power', 'power on', null],
    ] as const) {
      const r = await call('PUT', `/v1/nodes/${id}/states/${kind}`, { target });
      if (r?.status !== 202) return;
      acked.accepted.add(r.requestId!);
      // Wait for the operation to end before the next one (each holds the node's lock).
      const settled = await waitFor(
        async () => {
          const n = await call('GET', `/v1/nodes/${id}`);
          if (!n) return 'api gone';
          return n.body.reservation === null && n.body.target_provision_state === null && n.body.target_power_state === null
            ? 'ok'
            : undefined;
        },
        60_000,
        `${name} to settle`,
      ).catch(() => 'timeout');
      if (settled !== 'ok') return;
      if (want && (await call('GET', `/v1/nodes/${id}`))?.body.provision_state !== want) return;
    }
  }

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-kill-api-'));
    stack = await startStack({ automatedClean: 'none' });
    bmcs = await startBmcs(3, { power: 0 });
  });
  after(async () => {
    await apiProc?.stop();
    await stack?.stop();
    await stopBmcs(bmcs ?? []);
    fs.rmSync(work, { recursive: true, force: true });
  });

  test(`${ROUNDS} rounds of ${BURST} concurrent node lifecycles, each cut by SIGKILL (seed ${SEED})`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await startApi(round);
      const burst = Array.from({ length: BURST }, (_, i) => {
        const mac = `52:54:00:aa:${round.toString(16).padStart(2, '0')}:${i.toString(16).padStart(2, '0')}`;
        return lifecycle(`kill-${round}-${i}`, bmcs[i % bmcs.length], mac);
      });
      // Between 0.1 and 3 s into the burst: early rounds cut creates, later ones operations too.
      const delay = 100 + Math.floor(random() * 2900);
      await new Promise((r) => setTimeout(r, delay));
      process.kill(apiProc!.pid, 'SIGKILL');
      await apiProc!.stop();
      await Promise.all(burst);
    }
    // A last, healthy API to read through; then let every started workflow finish.
    await startApi(ROUNDS);
    const db = stack.db;
    await waitFor(async () => (await db.operation.count({ where: { status: 'running' } })) === 0, 180_000, 'every operation to finish');

    // Nodes and their enrollment events: both or neither.
    const nodes = await db.node.findMany({ include: { ports: true } });
    const enrolled = await db.historyEvent.findMany({ where: { eventType: 'inventory', event: { contains: 'enrolled' } } });
    assert.deepEqual(
      new Set(nodes.map((n) => n.uuid)),
      new Set(enrolled.map((e) => e.nodeUuid)),
      'every node has its enrollment event and vice versa',
    );
    for (const id of acked.nodes)
      assert.ok(
        nodes.some((n) => n.uuid === id),
        `acknowledged node ${id} exists`,
      );
    assert.ok(nodes.length >= acked.nodes.size && nodes.length <= ROUNDS * BURST);

    // Ports: each on an existing node, each with its event.
    const ports = await db.port.findMany();
    const nodeIds = new Set(nodes.map((n) => n.id));
    for (const p of ports) assert.ok(nodeIds.has(p.nodeId), `port ${p.uuid} points at an existing node`);
    const portEvents = await db.historyEvent.findMany({ where: { eventType: 'inventory', event: { startsWith: 'Port ' } } });
    assert.deepEqual(
      new Set(ports.map((p) => p.uuid)),
      new Set(portEvents.map((e) => e.event.split(' ')[1])),
      'every port has its creation event and vice versa',
    );
    for (const id of acked.ports)
      assert.ok(
        ports.some((p) => p.uuid === id),
        `acknowledged port ${id} exists`,
      );

    // Operations and workflow runs: one for one, same outcome.
    const ops = await db.operation.findMany();
    for (const id of acked.accepted)
      assert.ok(
        ops.some((o) => o.requestId === id),
        `accepted request ${id} has its operation`,
      );
    for (const op of ops) {
      const d = await stack.temporal.workflow.getHandle(op.workflowId, op.runId).describe();
      const want = op.status === 'succeeded' ? 'COMPLETED' : 'FAILED';
      // Power failures end the run FAILED; provision workflows record failure and complete.
      assert.ok(
        d.status.name === want || (op.status === 'failed' && d.status.name === 'COMPLETED'),
        `operation ${op.runId} (${op.kind}, ${op.status}) vs run ${d.status.name}`,
      );
    }
    const runs: string[] = [];
    await waitFor(
      async () => {
        runs.length = 0;
        for await (const w of stack.temporal.workflow.list({
          query: `TaskQueue = '${stack.cfg.temporal.taskQueue}' AND WorkflowId STARTS_WITH 'node-'`,
        }))
          runs.push(w.runId);
        return runs.length >= ops.length ? true : undefined;
      },
      30_000,
      'visibility to list every run',
    );
    assert.deepEqual(new Set(runs), new Set(ops.map((o) => o.runId)), 'every node workflow run has its operation row and vice versa');

    // Nothing left reserved or half-way.
    for (const n of nodes) {
      assert.equal(n.targetProvisionState, null, `${n.name}: target_provision_state`);
      assert.equal(n.targetPowerState, null, `${n.name}: target_power_state`);
      assert.ok(['enroll', 'manageable', 'available'].includes(n.provisionState), `${n.name} is in ${n.provisionState}`);
    }
    // Through the restarted API as well: no reservation shown.
    const list = await call('GET', '/v1/nodes?fields=uuid,reservation,provision_state');
    assert.equal(list?.status, 200);
    for (const n of list!.body.nodes) assert.equal(n.reservation, null);
    // Enough happened to mean something: creates were cut and operations ran.
    assert.ok(acked.nodes.size > 0 && ops.length > 0, `acknowledged ${acked.nodes.size} nodes, ${ops.length} operations`);
    console.log(
      `kill-api: seed ${SEED}, ${nodes.length} nodes, ${ports.length} ports, ${ops.length} operations; acknowledged ${acked.nodes.size} nodes, ${acked.ports.size} ports, ${acked.accepted.size} actions`,
    );
  });
});
