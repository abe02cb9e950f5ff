// The full-stack part of the power-sync benchmark: the benchmark's BMCs enrolled as
// Ironflow nodes behind a real API, worker, database and Temporal dev server. Timed:
// the periodic sync workflow's own passes (its `lastPowerSyncPass` query), and how
// long a power change made behind Ironflow's back takes to show in GET /v1/nodes/detail.
import type { Client } from '@temporalio/client';
import type { PassSummary } from '#workflows/sync-power-states';
import { powerSyncWorkflowId } from '#workflows/contracts/power';
import { startWorker } from '#apps/worker/src/main';
import { api, startStack, type TestStack } from '#test/support/stack';
import { startTemporal } from '#test/support/temporal';
import type { Bmc } from '#test/support/bmc-sim';
import type { Cleanups } from './cleanups';

export type { PassSummary };

export interface StackSyncOptions {
  /** IPMI calls in flight in the stack's worker (native and ipmitool drivers). */
  concurrency: number;
  intervalSec: number;
  batchSize: number;
  jitterMs: number;
  /** Steady passes to time, the second pass first (default 2). */
  steadyPasses?: number;
  /**
   * Run right after each steady pass ended (the sync then sleeps its interval): the library's
   * own warm pass over the same BMCs, so each stack pass has a baseline taken under the same
   * load. Returns its duration, ms.
   */
  libraryPass?: () => Promise<number>;
  log: (line: string) => void;
}

export interface StackSyncResult {
  nodes: number;
  workerConcurrency: number;
  intervalSec: number;
  batchSize: number;
  jitterMs: number;
  /** POST /v1/nodes for all N (8 clients). */
  enrollMs: number;
  /** PUT manage on all N until every node is manageable. */
  manageMs: number;
  /** ... of which until the last PUT manage was answered (8 clients). */
  managePutMs: number;
  /** The first pass: cold IPMI sessions, and every node's power_state written (it was unknown). */
  firstPass: PassSummary;
  /** The second pass: warm sessions, nothing changed — the steady-state cost. */
  secondPass: PassSummary;
  /** Durations of the steady passes (the second and those after it, nothing changed), ms. */
  steadyPassesMs: number[];
  /** The library's warm pass right after each steady pass (with opts.libraryPass), ms. */
  libraryBesideMs: number[];
  /** All N BMCs flipped right after a pass ended; until GET /v1/nodes/detail shows all N. */
  flipVisibleMs: number;
  /** The pass that found the flip (N changes, N history rows). */
  flipPass: PassSummary;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function inParallel<T>(items: readonly T[], parallel: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}

/** Starts a Temporal dev server (unless IRONFLOW_TEST_TEMPORAL_ADDRESS names one), the stack, and its worker. */
export async function startBenchStack(concurrency: number, cleanups: Cleanups): Promise<TestStack> {
  const envName = 'IRONFLOW_TEST_TEMPORAL_ADDRESS';
  const given = process.env[envName];
  if (!given) {
    // Our own server, stopped by its PID from the cleanups even if startStack fails half-way.
    const temporal = await startTemporal();
    cleanups.add(`Temporal dev server (pid ${temporal.proc.pid})`, () => temporal.stop());
    process.env[envName] = temporal.address;
  }
  let stack: TestStack;
  try {
    stack = await startStack({ worker: false });
  } finally {
    if (!given) delete process.env[envName];
  }
  cleanups.add('Ironflow stack (API, worker, database)', () => stack.stop());
  stack.worker = await startWorker(stack.cfg, { migrate: false, ipmi: { maxConcurrency: concurrency, ipmitoolConcurrency: concurrency } });
  return stack;
}

/** Enrolls one ipmi node per BMC through the API; returns the node UUIDs in BMC order. */
export async function enrollNodes(stack: TestStack, bmcs: readonly Bmc[], parallel = 8): Promise<string[]> {
  const uuids: string[] = new Array<string>(bmcs.length);
  await inParallel(bmcs, parallel, async (b, i) => {
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: `bench-${i}`,
      driver_info: {
        ipmi_address: b.address,
        ipmi_port: b.port,
        ipmi_username: b.username,
        ipmi_password: b.password,
        ipmi_cipher_suite: 3,
      },
    });
    if (r.status !== 201) throw new Error(`enroll bench-${i}: HTTP ${r.status} ${r.text}`);
    uuids[i] = r.body.uuid as string;
  });
  return uuids;
}

/** Every node through GET /v1/nodes[/detail], following `next` links. */
export async function listNodes(stack: TestStack, path: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let url: string | undefined = path;
  while (url) {
    const r = await api(stack, 'GET', url);
    if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status} ${r.text}`);
    out.push(...(r.body.nodes as Record<string, unknown>[]));
    const next = r.body.next as string | undefined;
    url = next ? next.slice(next.indexOf('/v1/')) : undefined;
  }
  return out;
}

/**
 * PUT manage on every node, then waits until all are manageable (a node back in enroll with
 * last_error fails it). Returns the ms until the last PUT was answered.
 */
export async function manageNodes(stack: TestStack, uuids: readonly string[], timeoutMs = 300_000): Promise<number> {
  const t0 = performance.now();
  await inParallel(uuids, 8, async (id) => {
    const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'manage' });
    if (r.status !== 202) throw new Error(`manage ${id}: HTTP ${r.status} ${r.text}`);
  });
  const putMs = performance.now() - t0;
  const want = new Set(uuids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await listNodes(stack, '/v1/nodes?fields=uuid,provision_state,last_error');
    const mine = nodes.filter((n) => want.has(n.uuid as string));
    const failed = mine.find((n) => n.provision_state === 'enroll' && n.last_error);
    if (failed) throw new Error(`manage failed for ${String(failed.uuid)}: ${String(failed.last_error)}`);
    if (mine.filter((n) => n.provision_state === 'manageable').length === want.size) return putMs;
    if (Date.now() > deadline) throw new Error(`not all ${want.size} nodes manageable after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Follows the periodic sync workflow's passes through its `lastPowerSyncPass` query. */
export class PassWatcher {
  private seen: string | undefined;

  constructor(
    private readonly client: Client,
    private readonly workflowId: string,
    private readonly pollMs = 100,
  ) {}

  async latest(): Promise<PassSummary | null> {
    return this.client.workflow.getHandle(this.workflowId).query<PassSummary | null>('lastPowerSyncPass');
  }

  /** The next pass to end after the last one returned (the first: any finished pass); its end is known within pollMs. */
  async next(timeoutMs: number): Promise<PassSummary> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = await this.latest().catch(() => null); // the workflow may not have started its first task yet
      if (p && p.passId !== this.seen) {
        this.seen = p.passId;
        return p;
      }
      if (Date.now() > deadline) throw new Error(`no power-sync pass ended within ${timeoutMs} ms`);
      await sleep(this.pollMs);
    }
  }
}

/** Polls GET /v1/nodes/detail until every node shows its expected power_state; returns the elapsed ms since t0. */
async function waitUntilVisible(stack: TestStack, expected: ReadonlyMap<string, string>, t0: number, timeoutMs: number): Promise<number> {
  for (;;) {
    const nodes = await listNodes(stack, '/v1/nodes/detail');
    const now = performance.now();
    const right = nodes.filter((n) => expected.get(n.uuid as string) === n.power_state).length;
    if (right === expected.size) return now - t0;
    if (now - t0 > timeoutMs) throw new Error(`after ${timeoutMs} ms only ${right} of ${expected.size} nodes show the flipped power state`);
    await sleep(100);
  }
}

function checkPass(p: PassSummary, n: number, what: string): void {
  if (p.nodes !== n || p.read !== n || p.failed !== 0) {
    throw new Error(`${what}: expected ${n} nodes read without failure, got ${JSON.stringify(p)}`);
  }
}

/** Enroll + manage the BMCs, run the periodic sync, time its passes and a flip behind its back. */
export async function measureStackSync(
  stack: TestStack,
  bmcs: readonly Bmc[],
  opts: StackSyncOptions,
): Promise<StackSyncResult & { uuids: string[] }> {
  const n = bmcs.length;
  let t = performance.now();
  const uuids = await enrollNodes(stack, bmcs);
  const enrollMs = performance.now() - t;
  t = performance.now();
  const managePutMs = await manageNodes(stack, uuids);
  const manageMs = performance.now() - t;
  opts.log(
    `enrolled ${n} nodes in ${(enrollMs / 1000).toFixed(1)} s, all manageable after ${(manageMs / 1000).toFixed(1)} s (PUTs answered after ${(managePutMs / 1000).toFixed(1)} s); starting the power sync (every ${opts.intervalSec} s) ...`,
  );

  await stack.startPowerSync({
    intervalSec: opts.intervalSec,
    failureLimit: 3,
    force: false,
    batchSize: opts.batchSize,
    jitterMs: opts.jitterMs,
  });
  const watcher = new PassWatcher(stack.temporal, powerSyncWorkflowId(stack.cfg.temporal.taskQueue));
  const passTimeout = opts.intervalSec * 1000 + 120_000;
  const firstPass = await watcher.next(passTimeout);
  checkPass(firstPass, n, 'first sync pass');
  const steady: PassSummary[] = [];
  const libraryBesideMs: number[] = [];
  while (steady.length < Math.max(1, opts.steadyPasses ?? 2)) {
    const p = await watcher.next(passTimeout);
    checkPass(p, n, `sync pass ${steady.length + 2}`);
    if (p.changed !== 0) throw new Error(`sync pass ${steady.length + 2} changed ${p.changed} nodes; nothing was touched`);
    steady.push(p);
    if (opts.libraryPass) libraryBesideMs.push(await opts.libraryPass());
  }
  const secondPass = steady[0];
  const steadyPassesMs = steady.map((p) => p.durationMs);
  opts.log(
    `sync passes: first ${firstPass.durationMs} ms (${firstPass.changed} changed), then ${steadyPassesMs.join(', ')} ms` +
      (libraryBesideMs.length ? ` (library beside them: ${libraryBesideMs.map((x) => x.toFixed(0)).join(', ')} ms)` : '') +
      `; flipping all ${n} BMCs ...`,
  );

  // Right after a pass ends, flip every BMC: the next pass (≈ interval later) must find them all.
  await watcher.next(passTimeout);
  const t0 = performance.now();
  const expected = new Map<string, string>();
  bmcs.forEach((b, i) => {
    const v = b.readPower() === 1 ? 0 : 1;
    b.writePower(v);
    expected.set(uuids[i], v === 1 ? 'power on' : 'power off');
  });
  const flipVisibleMs = await waitUntilVisible(stack, expected, t0, passTimeout);
  const flipPass = await watcher.next(passTimeout);
  checkPass(flipPass, n, 'the pass after the flip');
  if (flipPass.changed !== n) throw new Error(`the pass after the flip changed ${flipPass.changed} of ${n} nodes`);
  return {
    nodes: n,
    workerConcurrency: opts.concurrency,
    intervalSec: opts.intervalSec,
    batchSize: opts.batchSize,
    jitterMs: opts.jitterMs,
    enrollMs,
    manageMs,
    managePutMs,
    firstPass,
    secondPass,
    steadyPassesMs,
    libraryBesideMs,
    flipVisibleMs,
    flipPass,
    uuids,
  };
}
