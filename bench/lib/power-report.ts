// The power-sync benchmark's results as text: library-level passes, the full stack's
// own passes and Ironic's published figures side by side, then flip-to-visible and
// API power-action latency.
import type { PassStats, PowerSyncBenchResult } from '../power-sync';
import { IRONIC_POWER_ACTION, IRONIC_SOURCE, IRONIC_SYNC, ironicSyncFor } from './power-ironic-figures';
import { summarise } from './stats';

const W = 10;
const ms = (x: number): string => x.toFixed(1).padStart(W);
const blank = '-'.padStart(W);
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = (x: number): string => `${(x / 1000).toFixed(2)} s`;

export function formatPowerSyncResult(r: PowerSyncBenchResult): string {
  const label = (s: string): string => s.padEnd(46);
  const row = (name: string, s: PassStats): string => `${label(name)}${ms(s.totalMs)}${ms(s.p50Ms)}${ms(s.p95Ms)}${ms(s.maxMs)}`;
  const passRow = (name: string, totalMs: number): string => `${label(name)}${ms(totalMs)}${blank}${blank}${blank}`;
  const lines = [
    `power-sync pass over ${r.bmcs} ipmi_sim BMCs, IPMI concurrency ${r.concurrency} (ms; p50/p95/max per BMC read)`,
    `${label('one pass = read the power state of all N')}${'pass'.padStart(W)}${'p50'.padStart(W)}${'p95'.padStart(W)}${'max'.padStart(W)}`,
    row('library: native, warm sessions', r.nativeWarm),
    row('library: native, cold (incl. session setup)', r.nativeCold),
    row('library: ipmitool, one process per node', r.ipmitool),
  ];
  const s = r.stack;
  if (s) {
    lines.push(
      passRow('Ironflow stack: periodic sync, 2nd pass', s.secondPass.durationMs),
      passRow(`Ironflow stack: steady passes, median of ${s.steadyPassesMs.length}`, median(s.steadyPassesMs)),
      ...(s.libraryBesideMs.length ? [passRow(`library: warm pass right after each, median`, median(s.libraryBesideMs))] : []),
      passRow(`Ironflow stack: 1st pass (cold, ${s.firstPass.changed} writes)`, s.firstPass.durationMs),
      passRow(`Ironflow stack: flip pass (${s.flipPass.changed} changes)`, s.flipPass.durationMs),
    );
  }
  const ironic = ironicSyncFor(r.bmcs);
  if (ironic) {
    lines.push(
      `${label(`Ironic: periodic pass, median (p95 ${ironic.passP95Sec} s)`)}${ms(ironic.passMedianSec * 1000)}${blank}${blank}${blank}`,
    );
  }
  lines.push(`library speedup of native over ipmitool: ${r.speedup.toFixed(1)}x warm, ${r.speedupCold.toFixed(1)}x cold`);
  if (s) {
    lines.push(
      `stack steady passes (ms): ${s.steadyPassesMs.join(', ')}`,
      ...(s.libraryBesideMs.length
        ? [
            `library warm pass right after each (ms): ${s.libraryBesideMs.map((x) => x.toFixed(0)).join(', ')}; ` +
              `stack / library: ${s.steadyPassesMs.map((x, i) => (x / s.libraryBesideMs[i]).toFixed(2)).join(', ')} (median ${(median(s.steadyPassesMs) / median(s.libraryBesideMs)).toFixed(2)})`,
          ]
        : []),
      `stack: ${s.nodes} nodes, worker IPMI concurrency ${s.workerConcurrency}, batch ${s.batchSize}, jitter ${s.jitterMs} ms, interval ${s.intervalSec} s; ` +
        `enroll ${sec(s.enrollMs)}, manage all ${sec(s.manageMs)} (last PUT answered at ${sec(s.managePutMs)})`,
      '',
      `all ${s.nodes} BMCs flipped behind Ironflow's back right after a pass -> all ${s.nodes} show it in GET /v1/nodes/detail: ` +
        `${sec(s.flipVisibleMs)} (interval ${s.intervalSec} s + one pass)`,
    );
    if (ironic)
      lines.push(
        `  Ironic, same measurement at N=${ironic.nodes}: ${ironic.flipVisibleSec} s (interval ${ironic.intervalSec} s + one pass)`,
      );
    const on = summarise(s.actions.on);
    const off = summarise(s.actions.off);
    lines.push(
      '',
      `API power action on one node (PUT /states/power, then GET every ${s.actionPollMs} ms until power_state = target and target_power_state = null), ${on.n} each:`,
      `  power on   p50 ${sec(on.p50Ms)}  max ${sec(on.maxMs)}   [${s.actions.on.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
      `  power off  p50 ${sec(off.p50Ms)}  max ${sec(off.maxMs)}   [${s.actions.off.map((x) => (x / 1000).toFixed(2)).join(', ')}]`,
    );
  }
  lines.push('', `${IRONIC_SOURCE}:`, `  ${IRONIC_POWER_ACTION}`);
  lines.push(
    ...IRONIC_SYNC.map(
      (f) =>
        `  N=${f.nodes}: periodic pass median ${f.passMedianSec} s / p95 ${f.passP95Sec} s; flip -> all visible ${f.flipVisibleSec} s at interval ${f.intervalSec} s`,
    ),
  );
  return lines.join('\n');
}
