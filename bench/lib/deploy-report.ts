// The deploy benchmark's results and their printed form: per-step times of the
// cold and warm deploys side by side, the write step against plain qemu-img, the
// concurrent phase, and the in-process memory figures.
import type { MachineInfo } from './machine';
import type { DeployTiming } from './deploy-run';
import type { PlainWrite } from './deploy-plain';

export interface MemoryFigures {
  baselineRssBytes: number;
  baselineHeapUsedBytes: number;
  /** Peaks per phase and over all deploys (sampled every 100 ms). */
  phases: { name: string; peakRssBytes: number; peakHeapUsedBytes: number }[];
  peakRssBytes: number;
  peakHeapUsedBytes: number;
}

export interface DeployBenchResult {
  machine: MachineInfo;
  sizeMiB: number;
  qcow2Bytes: number;
  imageGenerated: boolean;
  diskBytes: number;
  /** How long the image server took to send the qcow2 (cold deploy; concurrent phase), ms. */
  downloadMs: { cold: number | null; concurrent: number | null };
  cold: DeployTiming;
  warm: DeployTiming;
  write: { coldMiBps: number | null; warmMiBps: number | null; plain: PlainWrite; ratioCold: number | null; ratioWarm: number | null };
  concurrent: {
    nodes: number;
    wallMs: number;
    deploys: DeployTiming[];
    imageGets: number;
    downloads: number;
    conversions: number;
  };
  memory: MemoryFigures;
}

const MiB = 1024 * 1024;
const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '-');
const mib = (b: number) => `${Math.round(b / MiB)} MiB`;
const pad = (t: string, n: number) => t.padEnd(n);
const lpad = (t: string, n: number) => t.padStart(n);

function median(xs: number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Step names in first-seen order across deploys. */
function stepNames(runs: DeployTiming[]): string[] {
  const names: string[] = [];
  for (const r of runs) for (const st of r.steps) if (!names.includes(st.name)) names.push(st.name);
  return names;
}

function stepMs(r: DeployTiming, name: string): number {
  return r.steps.filter((x) => x.name === name).reduce((a, x) => a + x.ms, 0) || (r.steps.some((x) => x.name === name) ? 0 : NaN);
}

export function formatDeployBench(r: DeployBenchResult): string {
  const m = r.machine;
  const c = r.concurrent;
  const out: string[] = [];
  out.push(`deploy benchmark (iscsi mode), ${m.date}`);
  out.push(`machine: ${m.nproc} cores, ${m.memoryGiB} GiB, ${m.cpuModel}, ${m.kernel}, load average (1 min) at start ${m.loadAverage1m}`);
  out.push(
    `image: ${r.sizeMiB} MiB pseudo-random raw → qcow2 of ${mib(r.qcow2Bytes)} (${r.imageGenerated ? 'generated this run' : 'reused from .cache/bench'}); lab disks ${mib(r.diskBytes)}`,
  );
  out.push('');
  const cols = ['cold', 'warm', `${c.nodes}x median`, `${c.nodes}x max`];
  const names = stepNames([r.cold, r.warm, ...c.deploys]);
  const w = Math.max(30, ...names.map((n) => n.length + 2));
  out.push(`${pad('step', w)}${cols.map((x) => lpad(x, 12)).join('')}`);
  for (const n of names) {
    const conc = c.deploys.map((d) => stepMs(d, n));
    const vals = [stepMs(r.cold, n), stepMs(r.warm, n), median(conc), Math.max(...conc.filter(Number.isFinite))];
    out.push(`${pad(n, w)}${vals.map((v) => lpad(s(v), 12)).join('')}`);
  }
  const totals = c.deploys.map((d) => d.totalMs);
  out.push(
    `${pad('total: PUT active → active', w)}${[r.cold.totalMs, r.warm.totalMs, median(totals), Math.max(...totals)].map((v) => lpad(s(v), 12)).join('')}`,
  );
  const all = [r.cold, r.warm, ...c.deploys];
  const retried = all.filter((d) => d.steps.some((x) => x.name.startsWith('no callback')));
  out.push(
    `deploys that PXE-booted again after no callback: ${retried.length} of ${all.length}${retried.length ? ` (${retried.map((d) => d.node).join(', ')})` : ''}`,
  );
  const dl = (x: number | null) => (x === null ? '-' : s(x));
  out.push(
    `of "cache the image", the download (image server's send time) took: cold ${dl(r.downloadMs.cold)}, concurrent ${dl(r.downloadMs.concurrent)}; the rest is the qcow2 → raw conversion and bookkeeping`,
  );
  out.push(`cache step said: cold ${JSON.stringify(r.cold.cache)}, warm ${JSON.stringify(r.warm.cache)}`);
  out.push('');
  const f = (x: number | null) => (x === null ? '-' : `${x.toFixed(0)} MiB/s`);
  const ratio = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  out.push('image write (bytes / step duration) vs plain `qemu-img convert -n` to a fresh tgtd target of the same size:');
  out.push(`  deploy write step, cold deploy  ${lpad(f(r.write.coldMiBps), 12)}   ratio ${ratio(r.write.ratioCold)} (goal ≥ 0.90)`);
  out.push(`  deploy write step, warm deploy  ${lpad(f(r.write.warmMiBps), 12)}   ratio ${ratio(r.write.ratioWarm)}`);
  const inner = [r.cold, r.warm].map((d) =>
    d.writerMs && d.bytesTotal ? `${(d.bytesTotal / MiB / (d.writerMs / 1000)).toFixed(0)} MiB/s` : '-',
  );
  out.push(`  (writeImage's own time inside the step: cold ${inner[0]}, warm ${inner[1]})`);
  const rounds = r.write.plain.roundSeconds.map((x) => `${x.toFixed(1)} s`).join(', ');
  out.push(
    `  plain qemu-img convert -n       ${lpad(f(r.write.plain.MiBps), 12)}   (median of ${r.write.plain.roundSeconds.length} rounds for ${mib(r.write.plain.bytes)}: ${rounds})`,
  );
  out.push('');
  out.push(`${c.nodes} concurrent deploys (cold cache): wall time ${s(c.wallMs)} from the first PUT to the last active`);
  out.push(`  image GETs on the image server: ${c.imageGets} ${c.imageGets === 1 ? '(downloaded once: OK)' : '(EXPECTED 1)'}`);
  out.push(
    `  cacheImage downloads: ${c.downloads}, conversions: ${c.conversions} ${c.downloads === 1 && c.conversions === 1 ? '(once each: OK)' : '(EXPECTED 1 each)'}`,
  );
  out.push('');
  const mm = r.memory;
  out.push(
    'bench process memory (worker + API + Temporal client share it; qemu-img, tgtd and the lab are other processes), sampled every 100 ms:',
  );
  out.push(`  baseline before the deploys  rss ${mib(mm.baselineRssBytes)}, heapUsed ${mib(mm.baselineHeapUsedBytes)}`);
  for (const p of mm.phases) out.push(`  peak during ${pad(p.name, 16)} rss ${mib(p.peakRssBytes)}, heapUsed ${mib(p.peakHeapUsedBytes)}`);
  out.push(
    `  peak over all deploys        rss ${mib(mm.peakRssBytes)} (+${mib(mm.peakRssBytes - mm.baselineRssBytes)}), heapUsed ${mib(mm.peakHeapUsedBytes)}`,
  );
  return out.join('\n');
}
