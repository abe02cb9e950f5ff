// Power-action benchmark: PUT power on/off through the API until GET reads the new state, next to one native IPMI set + get.
//
//   npm run bench -- power [--iterations 30] [--quick] [--poll-ms 5] [--json]
//
// One ipmi_sim BMC, enrolled as an Ironflow node behind a real API (in this process, with
// the client), a worker in its own process (as deployed: the client's GETs do not share its
// event loop), SQLite and a Temporal dev server. Each iteration times, in turn:
// - the baseline: one native RMCP+ chassis control from this process, then Get Chassis Status
//   until it reports the target (a warm session, as the worker holds one), for on and for off;
// - the API: PUT /v1/nodes/{id}/states/power, then GET /v1/nodes/{id} every --poll-ms until
//   target_power_state is null and power_state is the target (what `baremetal node power on
//   --wait` waits for), for on and for off.
// Interleaving the two keeps the machine's load the same for both; the ratio is what counts.
// Also printed: what one action cost in Temporal (workflow tasks, activity tasks, local
// activities) from the last action's history.
import { NativeIpmiDriver } from '#activities/ipmi/native-driver';
import type { BmcTarget, PowerState } from '#activities/ipmi/driver';
import { nodeOperationId } from '#workflows/contracts/ids';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBmc } from '#test/support/bmc-sim';
import { startStack, type TestStack } from '#test/support/stack';
import { startTemporal } from '#test/support/temporal';
import { startWorkerProcess } from '#test/faults/fault-kit';
import { Cleanups } from './lib/cleanups';
import { machineInfo, type MachineInfo } from './lib/machine';
import { cpuSecondsOf } from './lib/proc-usage';
import { parsePowerActionBenchArgs, POWER_ACTION_BENCH_USAGE, PowerActionBenchUsageError } from './lib/power-action-args';
import { timePowerAction, type PowerTarget } from './lib/power-actions';
import { enrollNodes } from './lib/power-stack';
import { summarise, type LatencySummary } from './lib/stats';

export interface PowerActionBenchResult {
  machine: MachineInfo;
  iterations: number;
  pollMs: number;
  /** Native set + get until read back, from this process (ms). */
  native: { on: LatencySummary; off: LatencySummary; both: LatencySummary };
  /** PUT until GET reads the target (ms). */
  api: { on: LatencySummary; off: LatencySummary; both: LatencySummary };
  /** api.both.p50 / native.both.p50. */
  ratio: number;
  /**
   * CPU time per timed API action (ms), by process: this one (the API and the polling client),
   * the worker, the Temporal dev server. Unlike latency, it hardly depends on the machine's load.
   */
  cpuPerAction: { apiAndClient: number; worker: number; temporal: number };
  /** The last action's workflow history, by kind of round trip. */
  history: { workflowTasks: number; activityTasks: number; localActivities: number; events: number };
}

/** User + system CPU time of a process so far, ms (/proc, 10 ms ticks). */
function cpuMs(pid: number): number {
  return cpuSecondsOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) * 1000;
}

/** One chassis control, then status reads until the BMC reports `want`. */
async function nativeSetGet(driver: NativeIpmiDriver, t: BmcTarget, target: PowerTarget): Promise<number> {
  const t0 = performance.now();
  await driver.setPower(t, target === 'power on' ? 'on' : 'off');
  for (let reads = 1; ; reads++) {
    const now: PowerState = await driver.getPowerState(t);
    if (now === target) return performance.now() - t0;
    if (reads >= 100) throw new Error(`the BMC still reports ${now} after ${reads} reads, want ${target}`);
  }
}

async function historyCounts(stack: TestStack, uuid: string): Promise<PowerActionBenchResult['history']> {
  const handle = stack.temporal.workflow.getHandle(nodeOperationId(uuid));
  await handle.result(); // GET reads the state back before the run closes
  const h = await handle.fetchHistory();
  const events = h.events ?? [];
  const count = (key: string): number => events.filter((e) => (e as Record<string, unknown>)[key] != null).length;
  return {
    workflowTasks: count('workflowTaskScheduledEventAttributes'),
    activityTasks: count('activityTaskScheduledEventAttributes'),
    // Local activities and patch markers are both markers; a patch marker's name is core_patch.
    localActivities: events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
    events: events.length,
  };
}

export async function runPowerActionBench(opts: {
  iterations: number;
  pollMs: number;
  log?: (l: string) => void;
}): Promise<PowerActionBenchResult> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const machine = machineInfo();
  const cleanups = new Cleanups(log);
  const offSignals = cleanups.onSignals();
  try {
    const bmc = await startBmc({ user: 'admin', password: 'bench-pass', power: 0 });
    cleanups.add('ipmi_sim BMC', () => bmc.stop());
    const target: BmcTarget = { address: bmc.address, port: bmc.port, username: bmc.username, password: bmc.password, cipherSuite: 3 };
    const driver = new NativeIpmiDriver();
    cleanups.add('native IPMI client', () => driver.close());

    log('starting the Ironflow stack (Temporal dev server, SQLite, API, worker process) ...');
    const temporal = await startTemporal();
    cleanups.add(`Temporal dev server (pid ${temporal.proc.pid})`, () => temporal.stop());
    const stack = await startStack({ worker: false, temporal });
    cleanups.add('Ironflow stack (API, database)', () => stack.stop());
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bench-power-'));
    cleanups.add(`work dir ${work}`, () => fs.rmSync(work, { recursive: true, force: true }));
    const worker = startWorkerProcess(stack, { logFile: path.join(work, 'worker.log') });
    cleanups.add(`worker (pid ${worker.pid})`, () => worker.stop());
    const [uuid] = await enrollNodes(stack, [bmc]);

    // Untimed: the first session, the first workflow run (bundle load, caches).
    await nativeSetGet(driver, target, 'power on');
    await nativeSetGet(driver, target, 'power off');
    await timePowerAction(stack, uuid, 'power on', opts.pollMs);
    await timePowerAction(stack, uuid, 'power off', opts.pollMs);

    log(`timing ${opts.iterations} x (native on, native off, API on, API off) ...`);
    const native = { on: [] as number[], off: [] as number[] };
    const viaApi = { on: [] as number[], off: [] as number[] };
    const cpu = { apiAndClient: 0, worker: 0, temporal: 0 };
    for (let i = 0; i < opts.iterations; i++) {
      native.on.push(await nativeSetGet(driver, target, 'power on'));
      native.off.push(await nativeSetGet(driver, target, 'power off'));
      const before = { self: process.cpuUsage(), worker: cpuMs(worker.pid), temporal: cpuMs(temporal.proc.pid) };
      viaApi.on.push(await timePowerAction(stack, uuid, 'power on', opts.pollMs));
      viaApi.off.push(await timePowerAction(stack, uuid, 'power off', opts.pollMs));
      await stack.temporal.workflow.getHandle(nodeOperationId(uuid)).result(); // its bookkeeping after the read-back
      const self = process.cpuUsage(before.self);
      cpu.apiAndClient += (self.user + self.system) / 1000;
      cpu.worker += cpuMs(worker.pid) - before.worker;
      cpu.temporal += cpuMs(temporal.proc.pid) - before.temporal;
    }
    const actions = 2 * opts.iterations;
    const both = (x: { on: number[]; off: number[] }) => ({
      on: summarise(x.on),
      off: summarise(x.off),
      both: summarise([...x.on, ...x.off]),
    });
    const n = both(native);
    const a = both(viaApi);
    return {
      machine,
      iterations: opts.iterations,
      pollMs: opts.pollMs,
      native: n,
      api: a,
      ratio: a.both.p50Ms / n.both.p50Ms,
      cpuPerAction: { apiAndClient: cpu.apiAndClient / actions, worker: cpu.worker / actions, temporal: cpu.temporal / actions },
      history: await historyCounts(stack, uuid),
    };
  } finally {
    const failed = await cleanups.runAll();
    offSignals();
    if (failed.length) log(`cleanup failures: ${failed.join('; ')}`);
  }
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;

export function formatPowerActionResult(r: PowerActionBenchResult): string {
  const row = (name: string, s: LatencySummary): string =>
    `  ${name.padEnd(34)} ${ms(s.p50Ms).padStart(10)} ${ms(s.p95Ms).padStart(10)} ${ms(s.maxMs).padStart(10)}`;
  const h = r.history;
  return [
    `power actions: ${r.iterations} on + ${r.iterations} off each way, one ipmi_sim BMC; ${r.machine.date}, load ${r.machine.loadAverage1m} (1 min), ${r.machine.nproc} cores`,
    `  ${''.padEnd(34)} ${'p50'.padStart(10)} ${'p95'.padStart(10)} ${'max'.padStart(10)}`,
    row('native IPMI set + get, on', r.native.on),
    row('native IPMI set + get, off', r.native.off),
    row('native IPMI set + get, both', r.native.both),
    row(`API PUT -> GET reads it, on`, r.api.on),
    row(`API PUT -> GET reads it, off`, r.api.off),
    row(`API PUT -> GET reads it, both`, r.api.both),
    `  API p50 / native p50: ${r.ratio.toFixed(1)}x; goal: API p50 <= 150 ms (${r.api.both.p50Ms <= 150 ? 'met' : 'not met'}); client polls GET every ${r.pollMs} ms`,
    `  CPU per API action (the timed ones): API + client ${r.cpuPerAction.apiAndClient.toFixed(1)} ms, worker ${r.cpuPerAction.worker.toFixed(1)} ms, Temporal ${r.cpuPerAction.temporal.toFixed(1)} ms (each action whole, its bookkeeping after the read-back included)`,
    `  one action in Temporal: ${h.workflowTasks} workflow tasks, ${h.activityTasks} activity tasks, ${h.localActivities} local activities, ${h.events} history events`,
  ].join('\n');
}

if (require.main === module) {
  let args;
  try {
    args = parsePowerActionBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof PowerActionBenchUsageError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  if (args.help) {
    console.log(POWER_ACTION_BENCH_USAGE);
  } else {
    const json = args.json;
    runPowerActionBench({ iterations: args.iterations, pollMs: args.pollMs })
      .then((r) => {
        console.log(formatPowerActionResult(r));
        if (json) console.log(JSON.stringify(r));
      })
      .catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
      });
  }
}
