// Power-sync benchmark: start N ipmi_sim BMCs, then time one full "sync pass"
// (read the power state of all N) with the native RMCP+ driver and with the
// ipmitool driver (one process per node), at the same concurrency limit.
//
//   node .build/<name>/bench/power-sync.js --bmcs 100 [--concurrency 16] [--passes 3] [--json]
//
// Measured on the 2-core shared dev box (2026-11-21, load 3-9 from other work), concurrency 16:
//   BMCs  native warm  native cold  ipmitool   speedup warm / cold
//    100     120-190 ms   450-740 ms  3.3-4.6 s     17-39x / 5-10x
//    200         234 ms       542 ms     4.6 s        20x / 8.5x
//    500         714 ms      1.39 s     14.8 s        21x / 11x
//   1000        1.69 s       4.2 s      39.6 s        23x / 9x
// Most of a native call's latency is ipmi_sim running its chassis hook (popen) per Get Chassis Status.
//
// The native driver is timed cold (first pass: session setup included) and
// warm (later passes reuse the cached sessions, as the periodic sync does).
import type { BmcTarget, PowerDriver, PowerState } from '../activities/ipmi/driver';
import { IpmitoolDriver } from '../activities/ipmi/ipmitool-driver';
import { NativeIpmiDriver } from '../activities/ipmi/native-driver';
import { startBmcs, stopBmcs, type Bmc } from '../test/support/bmc-sim';

export interface PowerSyncBenchOptions {
  bmcs: number;
  concurrency?: number;
  /** Passes per driver; the warm native figure is the median of passes 2..n. */
  passes?: number;
  log?: (line: string) => void;
}

export interface PassStats {
  totalMs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
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
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Reads every target with at most `concurrency` calls in flight; checks each answer. */
async function syncPass(
  driver: PowerDriver,
  targets: BmcTarget[],
  expected: PowerState[],
  concurrency: number,
): Promise<PassStats> {
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

export async function runPowerSyncBench(opts: PowerSyncBenchOptions): Promise<PowerSyncBenchResult> {
  const concurrency = opts.concurrency ?? 16;
  const passes = Math.max(2, opts.passes ?? 3);
  const log = opts.log ?? ((l: string) => console.log(l));
  log(`starting ${opts.bmcs} ipmi_sim BMCs ...`);
  const bmcs: Bmc[] = await startBmcs(opts.bmcs);
  try {
    bmcs.forEach((b, i) => b.writePower(i % 2 === 0 ? 1 : 0));
    const expected: PowerState[] = bmcs.map((b) => (b.readPower() === 1 ? 'power on' : 'power off'));
    const targets: BmcTarget[] = bmcs.map((b) => ({
      address: b.address,
      port: b.port,
      username: b.username,
      password: b.password,
      cipherSuite: 3,
    }));

    const native = new NativeIpmiDriver({ maxConcurrency: concurrency });
    const nativePasses: PassStats[] = [];
    try {
      for (let i = 0; i < passes; i++) nativePasses.push(await syncPass(native, targets, expected, concurrency));
    } finally {
      await native.close();
    }
    const ipmitool = new IpmitoolDriver({ maxConcurrency: concurrency });
    const toolPasses: PassStats[] = [];
    for (let i = 0; i < passes - 1; i++) toolPasses.push(await syncPass(ipmitool, targets, expected, concurrency));

    const nativeCold = nativePasses[0];
    const nativeWarm = median(nativePasses.slice(1));
    const tool = median(toolPasses);
    return {
      bmcs: opts.bmcs,
      concurrency,
      nativeCold,
      nativeWarm,
      ipmitool: tool,
      speedup: tool.totalMs / nativeWarm.totalMs,
      speedupCold: tool.totalMs / nativeCold.totalMs,
    };
  } finally {
    await stopBmcs(bmcs);
  }
}

export function formatPowerSyncResult(r: PowerSyncBenchResult): string {
  const f = (x: number): string => x.toFixed(1).padStart(9);
  const row = (name: string, s: PassStats): string =>
    `${name.padEnd(28)}${f(s.totalMs)}${f(s.p50Ms)}${f(s.p95Ms)}${f(s.maxMs)}`;
  return [
    `power-sync pass over ${r.bmcs} BMCs, concurrency ${r.concurrency} (ms)`,
    `${'driver'.padEnd(28)}${'pass'.padStart(9)}${'p50'.padStart(9)}${'p95'.padStart(9)}${'max'.padStart(9)}`,
    row('native (warm sessions)', r.nativeWarm),
    row('native (cold, incl. setup)', r.nativeCold),
    row('ipmitool (process per node)', r.ipmitool),
    `speedup: ${r.speedup.toFixed(1)}x warm, ${r.speedupCold.toFixed(1)}x cold`,
  ].join('\n');
}

/** `--name N` or `--name=N`, a positive whole number. */
function argValue(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  let text: string | undefined;
  argv.forEach((a, i) => {
    if (a === `--${name}`) text = argv[i + 1];
    else if (a.startsWith(`--${name}=`)) text = a.slice(name.length + 3);
  });
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive whole number, got ${text}`);
  return v;
}

if (require.main === module) {
  runPowerSyncBench({ bmcs: argValue('bmcs', 100), concurrency: argValue('concurrency', 16), passes: argValue('passes', 3) })
    .then((r) => {
      console.log(formatPowerSyncResult(r));
      if (process.argv.includes('--json')) console.log(JSON.stringify(r));
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
