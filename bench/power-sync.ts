// Power-sync benchmark: one pass over N ipmi_sim BMCs (native driver, ipmitool, the full Ironflow stack) and API power-action latency.
//
//   npm run bench -- power-sync [--bmcs 100] [--concurrency 16] [--passes 3] [--interval 5] [--reps 5] [--json]
//   node .build/<name>/bench/power-sync.js ...   (the same, from a private build)
//
// Library level: one "sync pass" = read the power state of all N BMCs with the native
// RMCP+ driver and with the ipmitool driver (one process per node), at the same
// concurrency limit. The native driver is timed cold (first pass: session setup
// included) and warm (later passes reuse the cached sessions, as the periodic sync does).
//
// Full stack: the same BMCs enrolled as Ironflow nodes through the API, managed, and
// read by the periodic power-sync workflow (worker IPMI concurrency = --concurrency);
// its own pass timings (query lastPowerSyncPass), the time from flipping all BMCs behind
// its back until GET /v1/nodes/detail shows them all, and PUT power on/off latency on one
// node until GET shows it done (polled every 50 ms). Ironic's figures are printed beside.
//
// Library level, measured on the 2-core shared dev box (2026-11-21, load 3-9 from other work), concurrency 16:
//   BMCs  native warm  native cold  ipmitool   speedup warm / cold
//    100     120-190 ms   450-740 ms  3.3-4.6 s     17-39x / 5-10x
//    200         234 ms       542 ms     4.6 s        20x / 8.5x
//    500         714 ms      1.39 s     14.8 s        21x / 11x
//   1000        1.69 s       4.2 s      39.6 s        23x / 9x
// Most of a native call's latency is ipmi_sim running its chassis hook (popen) per Get Chassis Status.
//
// Full stack, same box (2026-11-21, load 11-24: noisy), `npm run bench -- power-sync [--bmcs 200]`,
// concurrency 16, interval 5 s, batch 250, no jitter; ranges over 4 runs at 100 and 2 at 200:
//   BMCs  library warm  stack steady pass  flip pass (N writes)  flip -> visible  power on / off p50
//    100    141-787 ms       273-634 ms        621-1095 ms           5.6-6.1 s      0.37-0.49 / 0.47-0.51 s
//    200    353-456 ms       625-816 ms        1.48-2.45 s           6.5-7.6 s      0.45-0.49 / 0.38-0.49 s
// Ironic 21.4.4 on this machine type (shared/peers/ironic), 100 nodes: pass median 2.8 s; flip -> visible
// 12.4 s at interval 10 s (ours at --interval 10: 10.65 s); power on/off ≈ 15 s (min_command_interval 5 s).
// The stack's steady pass costs ~2-3x the library pass: syncPowerBatch makes two DB queries per node
// (node.findUnique + operation.findFirst; 100 nodes: 100-200 ms of SQLite vs 5-6 ms as two batched
// queries); prefetching them per batch halved the pass in a local, uncommitted test (100 BMCs: median
// 569-732 -> 268-391 ms; 200: 746-1024 -> 500-564 ms). Smaller batches (25) made it slower (845 vs 622 ms).
// A power action is ~11 sequential Temporal round trips (5 activities, 6 workflow tasks), not IPMI time.
//
// 2026-12-03 (branch ssync, load 16-25, the machine shared with six other benches): one activity per pass
// (syncPowerPass: one query, the reads, one transaction only for changes). Each steady stack pass is
// now printed beside a warm library pass taken right after it (same load): stack 1725-3016 ms,
// library 1194-1623 ms, stack / library 1.15-2.35 (median 1.49); before, the stack cost ~2-3x the
// library pass (figures above, not paired). Absolute times were 5-10x a quiet machine's.
import type { BmcTarget, PowerDriver, PowerState } from '#activities/ipmi/driver';
import { IpmitoolDriver } from '#activities/ipmi/ipmitool-driver';
import { NativeIpmiDriver } from '#activities/ipmi/native-driver';
import { startBmcs, stopBmcs, type Bmc } from '#test/support/bmc-sim';
import { Cleanups } from './lib/cleanups';
import { parsePowerBenchArgs, POWER_BENCH_USAGE, PowerBenchUsageError } from './lib/power-args';
import { measurePowerActions, type PowerActionTimes } from './lib/power-actions';
import { formatPowerSyncResult } from './lib/power-report';
import { measureStackSync, startBenchStack, type StackSyncResult } from './lib/power-stack';

export { formatPowerSyncResult };

export interface PowerSyncBenchOptions {
  bmcs: number;
  concurrency?: number;
  /** Passes per driver; the warm native figure is the median of passes 2..n. */
  passes?: number;
  /** false: library-level passes only (no Temporal, database or API). Default true. */
  stack?: boolean;
  /** The periodic sync's interval in the full-stack part, seconds (default 5). */
  intervalSec?: number;
  /** API power on and power off requests each (default 5). */
  reps?: number;
  /** Nodes per syncPowerBatch activity (default 250, the worker's default). */
  batchSize?: number;
  /** Random delay before each read in a batch, ms (default 0; the worker's default is 200). */
  jitterMs?: number;
  log?: (line: string) => void;
}

export interface PassStats {
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface StackPowerResult extends StackSyncResult {
  /** PUT power on / power off on one node until GET shows it done, ms per request. */
  actions: PowerActionTimes;
  actionPollMs: number;
}

export interface PowerSyncBenchResult {
  bmcs: number;
  concurrency: number;
  nativeCold: PassStats;
  nativeWarm: PassStats;
  ipmitool: PassStats;
  /** ipmitool pass time / warm native pass time. */
  speedup: number;
  /** ipmitool pass time / cold native pass time. */
  speedupCold: number;
  /** The full-stack part (absent with stack: false). */
  stack?: StackPowerResult;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Reads every target with at most `concurrency` calls in flight; checks each answer. */
async function syncPass(driver: PowerDriver, targets: BmcTarget[], expected: PowerState[], concurrency: number): Promise<PassStats> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < targets.length; i = next++) {
      const t0 = process.hrtime.bigint();
      const state = await driver.getPowerState(targets[i]);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (state !== expected[i]) throw new Error(`BMC ${i}: read ${state}, hardware is ${expected[i]}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  latencies.sort((a, b) => a - b);
  return { totalMs, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), maxMs: latencies[latencies.length - 1] };
}

function median(xs: PassStats[]): PassStats {
  return [...xs].sort((a, b) => a.totalMs - b.totalMs)[Math.floor(xs.length / 2)];
}

const ACTION_POLL_MS = 50;

interface LibraryResult {
  nativeCold: PassStats;
  nativeWarm: PassStats;
  ipmitool: PassStats;
}

function libraryTargets(bmcs: readonly Bmc[]): { targets: BmcTarget[]; expected: PowerState[] } {
  return {
    expected: bmcs.map((b) => (b.readPower() === 1 ? 'power on' : 'power off')),
    targets: bmcs.map((b) => ({ address: b.address, port: b.port, username: b.username, password: b.password, cipherSuite: 3 })),
  };
}

async function libraryPasses(bmcs: readonly Bmc[], concurrency: number, passes: number): Promise<LibraryResult> {
  const { targets, expected } = libraryTargets(bmcs);
  const native = new NativeIpmiDriver({ maxConcurrency: concurrency });
  const nativePasses: PassStats[] = [];
  try {
    for (let i = 0; i < passes; i++) nativePasses.push(await syncPass(native, targets, expected, concurrency));
  } finally {
    await native.close();
  }
  const ipmitool = new IpmitoolDriver({ maxConcurrency: concurrency });
  const toolPasses: PassStats[] = [];
  try {
    for (let i = 0; i < passes - 1; i++) toolPasses.push(await syncPass(ipmitool, targets, expected, concurrency));
  } finally {
    await ipmitool.close();
  }
  return { nativeCold: nativePasses[0], nativeWarm: median(nativePasses.slice(1)), ipmitool: median(toolPasses) };
}

export async function runPowerSyncBench(opts: PowerSyncBenchOptions): Promise<PowerSyncBenchResult> {
  const concurrency = opts.concurrency ?? 16;
  const passes = Math.max(2, opts.passes ?? 3);
  const log = opts.log ?? ((l: string) => console.error(l));
  // Everything started is stopped by its PID from here, newest first, on success, error or Ctrl-C.
  const cleanups = new Cleanups(log);
  const offSignals = cleanups.onSignals();
  try {
    log(`starting ${opts.bmcs} ipmi_sim BMCs ...`);
    const bmcs: Bmc[] = await startBmcs(opts.bmcs);
    cleanups.add(`${bmcs.length} ipmi_sim BMCs`, () => stopBmcs(bmcs));
    bmcs.forEach((b, i) => b.writePower(i % 2 === 0 ? 1 : 0));

    log(`library-level passes (concurrency ${concurrency}) ...`);
    const lib = await libraryPasses(bmcs, concurrency, passes);
    const result: PowerSyncBenchResult = {
      bmcs: opts.bmcs,
      concurrency,
      ...lib,
      speedup: lib.ipmitool.totalMs / lib.nativeWarm.totalMs,
      speedupCold: lib.ipmitool.totalMs / lib.nativeCold.totalMs,
    };
    if (opts.stack === false) return result;

    log('starting the Ironflow stack (Temporal dev server, SQLite, worker, API) ...');
    const stack = await startBenchStack(concurrency, cleanups);
    // The library's baseline beside each steady stack pass (same load): its own warm client.
    const beside = libraryTargets(bmcs);
    const besideDriver = new NativeIpmiDriver({ maxConcurrency: concurrency });
    cleanups.add('library client beside the stack', () => besideDriver.close());
    await syncPass(besideDriver, beside.targets, beside.expected, concurrency);
    const sync = await measureStackSync(stack, bmcs, {
      libraryPass: async () => (await syncPass(besideDriver, beside.targets, beside.expected, concurrency)).totalMs,
      concurrency,
      intervalSec: opts.intervalSec ?? 5,
      batchSize: opts.batchSize ?? 250,
      jitterMs: opts.jitterMs ?? 0,
      steadyPasses: passes - 1,
      log,
    });
    const reps = opts.reps ?? 5;
    log(`API power actions: ${reps} x power on + power off on one node (the sync keeps running) ...`);
    const actions = await measurePowerActions(stack, sync.uuids[0], reps, ACTION_POLL_MS);
    const { uuids: _uuids, ...syncFigures } = sync;
    result.stack = { ...syncFigures, actions, actionPollMs: ACTION_POLL_MS };
    return result;
  } finally {
    const failed = await cleanups.runAll();
    offSignals();
    if (failed.length) log(`cleanup failures: ${failed.join('; ')}`);
  }
}

if (require.main === module) {
  let args;
  try {
    args = parsePowerBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof PowerBenchUsageError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  if (args.help) {
    console.log(POWER_BENCH_USAGE);
  } else {
    const json = args.json;
    runPowerSyncBench({
      bmcs: args.bmcs,
      concurrency: args.concurrency,
      passes: args.passes,
      stack: args.stack,
      intervalSec: args.intervalSec,
      reps: args.reps,
      batchSize: args.batchSize,
      jitterMs: args.jitterMs,
    })
      .then((r) => {
        console.log(formatPowerSyncResult(r));
        if (json) console.log(JSON.stringify(r));
      })
      .catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
      });
  }
}
