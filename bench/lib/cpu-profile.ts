// Where a process spent its CPU: a summary of a V8 .cpuprofile (node --cpu-prof)
// by package and by function (self time), over the whole profile or a time
// window. Sample times are CLOCK_MONOTONIC microseconds, the clock of
// process.hrtime(), so another process on the same machine can mark phases.
import fs from 'node:fs';
import path from 'node:path';

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Time covered by samples in the window. */
  sampledMs: number;
  /** Of which the process was idle (waiting for I/O), per V8's "(idle)" node. */
  idleMs: number;
  byPackage: [string, number][];
  byFunction: [string, number][];
}

/** Monotonic microseconds, comparable with a .cpuprofile's sample times. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Drops file:// and the build folder (dist/ or .build/NAME/), whose name may look like one of ours. */
function stripBuildDir(url: string): string {
  return url.replace(/^file:\/\//, '').replace(/^.*\/(?:dist|\.build\/[^/]+)\//, '/');
}

/** The npm package (or "node", "ironflow:<dir>", a V8 pseudo-frame) a frame belongs to. */
export function packageOf(url: string, functionName: string): string {
  if (!url) return functionName || '(unknown)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  if (url.startsWith('node:')) return 'node';
  if (url.startsWith('wasm://')) return 'wasm';
  const ours = /(?:^|\/)(apps|activities|workflows|prisma|bench|test|scripts)\/(.+)$/.exec(stripBuildDir(url));
  if (ours) return `ironflow:${ours[1]}/${path.dirname(ours[2])}`;
  return url;
}

function frameName(f: CpuProfile['nodes'][number]['callFrame']): string {
  const file = f.url.includes('node_modules/') ? f.url.replace(/.*node_modules\//, '') : stripBuildDir(f.url).replace(/^\//, '');
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
}

function top(m: Map<string, number>, n: number): [string, number][] {
  return [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => [k, us / 1000]);
}

/** Self time by package and by function of the samples taken in [fromUs, toUs). */
export function summariseProfile(p: CpuProfile, window: { fromUs?: number; toUs?: number } = {}, n = 10): ProfileSummary {
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const pkg = new Map<string, number>();
  const fn = new Map<string, number>();
  let t = p.startTime;
  let sampled = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    // A sample's weight is the time until the next one.
    const weight = p.timeDeltas[i + 1] ?? 0;
    if ((window.fromUs !== undefined && t < window.fromUs) || (window.toUs !== undefined && t >= window.toUs)) continue;
    const node = byId.get(p.samples[i]);
    if (!node || weight === 0) continue;
    sampled += weight;
    const f = node.callFrame;
    if (f.functionName === '(idle)') {
      idle += weight;
      continue;
    }
    const k = packageOf(f.url, f.functionName);
    pkg.set(k, (pkg.get(k) ?? 0) + weight);
    const name = frameName(f);
    fn.set(name, (fn.get(name) ?? 0) + weight);
  }
  return { sampledMs: sampled / 1000, idleMs: idle / 1000, byPackage: top(pkg, n), byFunction: top(fn, n) };
}

/** The newest .cpuprofile in dir. */
export function newestProfile(dir: string): string | undefined {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

export function formatProfileSummary(title: string, s: ProfileSummary): string {
  const busy = s.sampledMs - s.idleMs;
  const pct = (ms: number): string => `${busy > 0 ? ((100 * ms) / busy).toFixed(1) : '0.0'}%`.padStart(6);
  const lines = [`${title}: ${s.sampledMs.toFixed(0)} ms sampled, ${s.idleMs.toFixed(0)} ms idle, ${busy.toFixed(0)} ms busy`];
  lines.push('  self time by package:');
  for (const [k, ms] of s.byPackage) lines.push(`    ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${k}`);
  lines.push('  self time by function:');
  for (const [k, ms] of s.byFunction) lines.push(`    ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${k}`);
  return lines.join('\n');
}
