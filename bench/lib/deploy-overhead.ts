// `npm run bench -- deploy --overhead`: the fixed cost of a deploy, everything outside the
// image bytes. One cold deploy fills the image cache, then --rounds warm deploys of the same
// image run one after another, each on its own lab node, with the deploy ramdisk's own
// defaults (it polls every 2 s unless the control plane holds its polls). Per step: the
// median over the warm rounds; "bytes" are the steps that move or check image bytes
// (cache, write, verify, config drive), everything else, the gaps between steps included
// (bookkeeping, the API reporting `active`), is overhead. Issue 18's goal: ≤ 1.5 s overhead
// for a 64 MiB image (≈ 5 s before).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startStack, type TestStack } from '#test/support/stack';
import { startLab, type Lab } from '#test/lab/lab';
import { Cleanups } from './cleanups';
import { machineInfo, type MachineInfo } from './machine';
import { benchImage } from './deploy-image';
import { startCountingFileServer } from './deploy-image-server';
import { deployAndTime, enrollAvailable, type DeployTiming } from './deploy-run';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const IMAGE_NAME = 'bench.qcow2';

/** Steps whose time is the image bytes' (download, conversion, write, read-back), not overhead. */
export const BYTES_STEPS: readonly string[] = [
  'cache the image',
  'write the image over iSCSI',
  'verify the written image',
  'write the config drive over iSCSI',
  'wait for the ramdisk to write the image',
];

export interface OverheadFigures {
  totalMs: number;
  bytesMs: number;
  overheadMs: number;
  /** total − the sum of all steps: bookkeeping between steps and the API noticing `active`. */
  betweenStepsMs: number;
}

export interface OverheadBenchResult {
  machine: MachineInfo;
  gitRev: string;
  sizeMiB: number;
  rounds: number;
  cold: DeployTiming;
  coldFigures: OverheadFigures;
  warm: DeployTiming[];
  /** Medians over the warm rounds. */
  warmFigures: OverheadFigures;
  /** Step name → median ms over the warm rounds, in step order. */
  warmSteps: { name: string; ms: number; bytes: boolean }[];
  loadAfter1m: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function overheadOf(t: DeployTiming): OverheadFigures {
  const bytesMs = t.steps.filter((s) => BYTES_STEPS.includes(s.name)).reduce((a, s) => a + (s.ms || 0), 0);
  const stepsMs = t.steps.reduce((a, s) => a + (s.ms || 0), 0);
  return { totalMs: t.totalMs, bytesMs, overheadMs: t.totalMs - bytesMs, betweenStepsMs: t.totalMs - stepsMs };
}

function gitRev(): string {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${rev}+dirty` : rev;
  } catch {
    return 'unknown';
  }
}

export async function runOverheadBench(
  opts: { sizeMiB: number; rounds: number },
  log: (line: string) => void = () => undefined,
  cleanups = new Cleanups(log),
): Promise<OverheadBenchResult> {
  const machine = machineInfo();
  const diskBytes = Math.ceil((opts.sizeMiB * MiB * 1.125) / MiB) * MiB;
  try {
    const image = await benchImage(opts.sizeMiB);
    const server = await startCountingFileServer();
    cleanups.add('image server', () => server.stop());
    server.serve(IMAGE_NAME, image.qcow2Path);
    const source = { url: server.url(IMAGE_NAME), sha256: image.qcow2Sha256 };
    log('starting Temporal, database, worker and API ...');
    const stack: TestStack = await startStack({ automatedClean: 'none', callbackTimeoutSec: 120 });
    cleanups.add('stack (API, worker, database, Temporal)', () => stack.stop());
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-obench-'));
    cleanups.add(`work dir ${work}`, () => fs.rmSync(work, { recursive: true, force: true }));
    const nodes = 1 + opts.rounds;
    log(`starting ${nodes} lab nodes (deploy ramdisk with its default poll interval) ...`);
    const lab: Lab = await startLab({ nodes, dir: path.join(work, 'lab'), tftpRoot: stack.data.bootRoot, diskSize: diskBytes });
    cleanups.add('lab (BMCs, tftpd, node servers, tgtds)', () => lab.stop());
    const localGb = Math.max(1, Math.floor(diskBytes / GiB));
    const ids = await Promise.all(lab.nodes.map((n) => enrollAvailable(stack, n, source, localGb)));
    const timeout = 10 * 60_000;
    log('cold deploy (fills the image cache) ...');
    const cold = await deployAndTime(stack, ids[0], lab.nodes[0].name, timeout, 25);
    const warm: DeployTiming[] = [];
    for (let i = 1; i < nodes; i++) {
      warm.push(await deployAndTime(stack, ids[i], lab.nodes[i].name, timeout, 25));
      log(`warm deploy ${i}/${opts.rounds}: ${(warm[i - 1].totalMs / 1000).toFixed(2)} s`);
    }
    const names: string[] = [];
    for (const t of warm) for (const s of t.steps) if (!names.includes(s.name)) names.push(s.name);
    const per = warm.map(overheadOf);
    return {
      machine,
      gitRev: gitRev(),
      sizeMiB: opts.sizeMiB,
      rounds: opts.rounds,
      cold,
      coldFigures: overheadOf(cold),
      warm,
      warmFigures: {
        totalMs: median(per.map((p) => p.totalMs)),
        bytesMs: median(per.map((p) => p.bytesMs)),
        overheadMs: median(per.map((p) => p.overheadMs)),
        betweenStepsMs: median(per.map((p) => p.betweenStepsMs)),
      },
      warmSteps: names.map((name) => ({
        name,
        ms: median(warm.map((t) => t.steps.filter((s) => s.name === name).reduce((a, s) => a + (s.ms || 0), 0))),
        bytes: BYTES_STEPS.includes(name),
      })),
      loadAfter1m: Math.round(os.loadavg()[0] * 100) / 100,
    };
  } finally {
    const failed = await cleanups.runAll();
    if (failed.length) log(`cleanup problems: ${failed.join('; ')}`);
  }
}

export function formatOverheadBench(r: OverheadBenchResult): string {
  const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '-');
  const out = [
    `deploy overhead benchmark (iscsi mode, ${r.sizeMiB} MiB image), ${r.machine.date}, git ${r.gitRev}`,
    `machine: ${r.machine.nproc} cores, load average (1 min) ${r.machine.loadAverage1m} at start, ${r.loadAfter1m} at the end`,
    '',
    `warm deploys (median of ${r.rounds}), per step:`,
  ];
  for (const st of r.warmSteps) out.push(`  ${st.name.padEnd(40)} ${s(st.ms).padStart(8)}   ${st.bytes ? 'bytes' : 'overhead'}`);
  out.push(`  ${'(between steps: bookkeeping, API)'.padEnd(40)} ${s(r.warmFigures.betweenStepsMs).padStart(8)}   overhead`);
  const row = (label: string, f: OverheadFigures) =>
    `  ${label.padEnd(14)} total ${s(f.totalMs).padStart(8)}   image bytes ${s(f.bytesMs).padStart(8)}   overhead ${s(f.overheadMs).padStart(8)}`;
  out.push('', row('warm (median)', r.warmFigures), row('cold', r.coldFigures));
  out.push(`  each warm deploy: ${r.warm.map((t) => `${s(t.totalMs)} (overhead ${s(overheadOf(t).overheadMs)})`).join(', ')}`);
  out.push(`goal (issue 18): overhead ≤ 1.50 s for a 64 MiB image; this run: ${s(r.warmFigures.overheadMs)} warm`);
  return out.join('\n');
}
