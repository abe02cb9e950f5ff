// Memory benchmark: RSS of the API and of the worker, each its own process as `npm start` runs them, idle and after N concurrent deploys of a 1 GiB qcow2 on the simulated lab.
//
//   npm run bench -- memory [--size-mib 1024] [--concurrent 5] [--settle-sec 10] [--json]
//
// The processes are started as scripts/stack.ts starts them (the same entry files, the same
// Node flags from apps/shared/node-flags.ts), on a private Temporal dev server and SQLite
// file, with their settings from the environment. The lab's ipmi_sim BMCs and simulated
// servers PXE-boot the deploy ramdisk logic and export each node's disk with tgtd.
// Read from /proc/<pid>/status of each process: RSS (anonymous + file-backed) when idle
// (stack up, nodes enrolled and available), the peak while the N deploys run (VmHWM and
// 250 ms samples), right after all N are active, and after --settle-sec more seconds.
// Child processes (qemu-img, tgtd, the lab) are not counted.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { repoRoot } from '#apps/shared/repo-root';
import { MEMORY_ENV, nodeProcess, type IronflowProcess } from '#apps/shared/node-flags';
import { migrate } from '#prisma/migrate';
import { startLab } from '#test/lab/lab';
import { api } from '#test/support/stack';
import { startTemporal } from '#test/support/temporal';
import { freeTcpPort, startProcess, waitFor, type Proc } from '#test/support/procs';
import { Cleanups } from './lib/cleanups';
import { benchImage } from './lib/deploy-image';
import { startCountingFileServer } from './lib/deploy-image-server';
import { deployAndTime, enrollAvailable } from './lib/deploy-run';
import { procMemory, type ProcMemory } from './lib/proc-memory';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface MemoryBenchArgs {
  sizeMiB: number;
  concurrent: number;
  settleSec: number;
  json: boolean;
  help: boolean;
}

export const MEMORY_BENCH_USAGE = `usage: npm run bench -- memory [options]
  --size-mib N       image size in MiB (pseudo-random raw as qcow2, cached in .cache/bench/; default 1024)
  --concurrent C     lab nodes deployed at once (default 5)
  --settle-sec S     seconds after the deploys before the last reading (default 10)
  --json             also print the results as one JSON line`;

export class MemoryBenchUsageError extends Error {}

export function parseMemoryBenchArgs(argv: readonly string[]): MemoryBenchArgs {
  const out: MemoryBenchArgs = { sizeMiB: 1024, concurrent: 5, settleSec: 10, json: false, help: false };
  const whole = (name: string, text: string | undefined, min: number): number => {
    const n = Number(text);
    if (text === undefined || text === '' || !Number.isInteger(n) || n < min) {
      throw new MemoryBenchUsageError(`--${name} needs a whole number of at least ${min}, got ${text ?? 'nothing'}`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    if (flag === '--size-mib') out.sizeMiB = whole('size-mib', value(), 1);
    else if (flag === '--concurrent') out.concurrent = whole('concurrent', value(), 1);
    else if (flag === '--settle-sec') out.settleSec = whole('settle-sec', value(), 0);
    else if (flag === '--json') out.json = true;
    else if (flag === '--help' || flag === '-h') out.help = true;
    else throw new MemoryBenchUsageError(`unknown option ${a}\n${MEMORY_BENCH_USAGE}`);
  }
  return out;
}

export interface ProcessFigures {
  pid: number;
  flags: readonly string[];
  idle: ProcMemory;
  /** Highest RSS sampled (every 250 ms) while the deploys ran. */
  peakSampledRssBytes: number;
  afterDeploys: ProcMemory;
  settled: ProcMemory;
}

export interface MemoryBenchResult {
  date: string;
  load: number[];
  sizeMiB: number;
  concurrent: number;
  settleSec: number;
  deployWallMs: number;
  downloads: number;
  /** Environment both processes got from apps/shared/node-flags.ts. */
  memoryEnv: Record<string, string>;
  api: ProcessFigures;
  worker: ProcessFigures;
}

const mib = (b: number): string => `${(b / MiB).toFixed(0)} MiB`;

export function formatMemoryBench(r: MemoryBenchResult): string {
  const row = (what: string, f: (p: ProcessFigures) => number) =>
    `| ${what} | ${mib(f(r.api))} | ${mib(f(r.worker))} | ${mib(f(r.api) + f(r.worker))} |`;
  return [
    `memory bench ${r.date}, load ${r.load.map((l) => l.toFixed(1)).join(' ')}: ${r.concurrent} concurrent deploys of a ${r.sizeMiB} MiB image in ${(r.deployWallMs / 1000).toFixed(1)} s (${r.downloads} download)`,
    `flags: api [${r.api.flags.join(' ')}], worker [${r.worker.flags.join(' ')}]; env [${Object.entries(r.memoryEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}]`,
    '| RSS | API | worker | API + worker |',
    '|---|---|---|---|',
    row('idle (nodes available)', (p) => p.idle.rssBytes),
    row('peak while deploying (sampled)', (p) => p.peakSampledRssBytes),
    row('peak (VmHWM)', (p) => p.afterDeploys.hwmBytes),
    row(`after the ${r.concurrent} deploys`, (p) => p.afterDeploys.rssBytes),
    row('  of which anonymous', (p) => p.afterDeploys.anonBytes),
    row(`${r.settleSec} s later`, (p) => p.settled.rssBytes),
  ].join('\n');
}

function processEnv(o: { work: string; temporal: string; databaseUrl: string; apiPort: number; imagePort: number }): NodeJS.ProcessEnv {
  const data = path.join(o.work, 'data');
  fs.mkdirSync(path.join(data, 'image-store'), { recursive: true });
  fs.mkdirSync(path.join(data, 'tftp'), { recursive: true });
  // The lab's simulated servers only read the kernel command line: any files do as kernel and ramdisk.
  fs.writeFileSync(path.join(data, 'deploy.kernel'), 'bench deploy kernel\n');
  fs.writeFileSync(path.join(data, 'deploy.initrd'), 'bench deploy ramdisk\n');
  return {
    ...process.env,
    IRONFLOW_DATA_DIR: data,
    DATABASE_URL: o.databaseUrl,
    TEMPORAL_ADDRESS: o.temporal,
    IRONFLOW_TASK_QUEUE: 'ironflow-memory-bench',
    IRONFLOW_SECRET_KEY: crypto.randomBytes(32).toString('hex'),
    IRONFLOW_API_HOST: '127.0.0.1',
    IRONFLOW_API_PORT: String(o.apiPort),
    IRONFLOW_IMAGE_SERVER_PORT: String(o.imagePort),
    IRONFLOW_DEPLOY_KERNEL: path.join(data, 'deploy.kernel'),
    IRONFLOW_DEPLOY_RAMDISK: path.join(data, 'deploy.initrd'),
    IRONFLOW_AUTOMATED_CLEAN: 'none',
    // A lost callback costs one PXE retry after 2 min, not 10.
    IRONFLOW_DEPLOY_CALLBACK_TIMEOUT: '120',
  };
}

export async function runMemoryBench(
  args: MemoryBenchArgs,
  log: (line: string) => void = () => undefined,
  cleanups = new Cleanups(log),
): Promise<MemoryBenchResult> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-membench-'));
  let failed = true;
  // Kept when the run fails: the API's and the worker's logs are in it.
  cleanups.add(`work dir ${work}`, () => (failed ? log(`kept ${work} (logs)`) : fs.rmSync(work, { recursive: true, force: true })));
  const diskBytes = Math.ceil((args.sizeMiB * MiB * 1.125) / MiB) * MiB;
  try {
    log(`image: ${args.sizeMiB} MiB ...`);
    const image = await benchImage(args.sizeMiB);
    const server = await startCountingFileServer();
    cleanups.add('image server', () => server.stop());
    server.serve('bench.qcow2', image.qcow2Path);
    const source = { url: server.url('bench.qcow2'), sha256: image.qcow2Sha256 };

    log('starting Temporal, then the worker and the API as separate processes ...');
    const temporal = await startTemporal({ logFile: path.join(work, 'temporal.log') });
    cleanups.add('Temporal dev server', () => temporal.stop());
    const databaseUrl = `file:${path.join(work, 'ironflow.db')}`;
    await migrate(databaseUrl, repoRoot());
    const apiPort = await freeTcpPort();
    const env = processEnv({ work, temporal: temporal.address, databaseUrl, apiPort, imagePort: await freeTcpPort() });
    const dist = path.resolve(__dirname, '..');
    const start = (name: IronflowProcess, entry: string): Proc & { flags: string[] } => {
      const how = nodeProcess(name, env);
      const p = startProcess(process.execPath, [...how.args, path.join(dist, entry)], {
        logFile: path.join(work, `${name}.log`),
        env: how.env,
      });
      cleanups.add(`${name} (pid ${p.pid})`, () => p.stop(10_000));
      return { ...p, flags: how.args };
    };
    const worker = start('worker', 'apps/worker/src/main.js');
    const apiProc = start('api', 'apps/api/src/main.js');
    const url = `http://127.0.0.1:${apiPort}`;
    await waitFor(async () => (await api({ url }, 'GET', '/v1')).status === 200, 120_000, `the API (log ${apiProc.logFile})`);
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.add('Temporal client', () => connection.close());
    const stack = { url, temporal: new Client({ connection, namespace: 'default' }) };

    log(`starting ${args.concurrent} lab nodes with ${Math.round(diskBytes / MiB)} MiB disks ...`);
    const lab = await startLab({
      nodes: args.concurrent,
      dir: path.join(work, 'lab'),
      tftpRoot: path.join(env.IRONFLOW_DATA_DIR!, 'tftp'),
      diskSize: diskBytes,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
    cleanups.add('lab', () => lab.stop());
    const localGb = Math.max(1, Math.floor(diskBytes / GiB));
    // One at a time: five concurrent manage/provide requests from two processes sharing the SQLite
    // file timed out a transaction of the API (seen twice at load 20; not what this bench measures).
    const ids: string[] = [];
    for (const n of lab.nodes) ids.push(await enrollAvailable(stack, n, source, localGb));
    log(`${ids.length} nodes available; worker pid ${worker.pid}, API pid ${apiProc.pid}`);

    const idle = { api: procMemory(apiProc.pid), worker: procMemory(worker.pid) };
    const peak = { api: idle.api.rssBytes, worker: idle.worker.rssBytes };
    const sampler = setInterval(() => {
      peak.api = Math.max(peak.api, procMemory(apiProc.pid).rssBytes);
      peak.worker = Math.max(peak.worker, procMemory(worker.pid).rssBytes);
    }, 250);
    const t0 = performance.now();
    log(`${args.concurrent} concurrent deploys ...`);
    let deploys;
    try {
      deploys = await Promise.all(ids.map((id, i) => deployAndTime(stack, id, lab.nodes[i].name, 60 * 60_000)));
    } finally {
      clearInterval(sampler);
    }
    const deployWallMs = performance.now() - t0;
    const after = { api: procMemory(apiProc.pid), worker: procMemory(worker.pid) };
    log(`deploys done in ${(deployWallMs / 1000).toFixed(1)} s; waiting ${args.settleSec} s ...`);
    await new Promise((r) => setTimeout(r, args.settleSec * 1000));
    const settled = { api: procMemory(apiProc.pid), worker: procMemory(worker.pid) };
    failed = false;
    return {
      date: new Date().toISOString(),
      load: os.loadavg(),
      sizeMiB: args.sizeMiB,
      concurrent: args.concurrent,
      settleSec: args.settleSec,
      deployWallMs,
      downloads: deploys.filter((d) => d.cache?.downloaded).length,
      memoryEnv: { ...MEMORY_ENV },
      api: {
        pid: apiProc.pid,
        flags: apiProc.flags,
        idle: idle.api,
        peakSampledRssBytes: peak.api,
        afterDeploys: after.api,
        settled: settled.api,
      },
      worker: {
        pid: worker.pid,
        flags: worker.flags,
        idle: idle.worker,
        peakSampledRssBytes: peak.worker,
        afterDeploys: after.worker,
        settled: settled.worker,
      },
    };
  } finally {
    const problems = await cleanups.runAll();
    if (problems.length) log(`cleanup problems: ${problems.join('; ')}`);
  }
}

if (require.main === module) {
  let args: MemoryBenchArgs;
  try {
    args = parseMemoryBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof MemoryBenchUsageError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  if (args.help) {
    console.log(MEMORY_BENCH_USAGE);
    process.exit(0);
  }
  const log = (line: string) => console.error(`# ${line}`);
  const cleanups = new Cleanups(log);
  const off = cleanups.onSignals();
  runMemoryBench(args, log, cleanups)
    .then((r) => {
      console.log(formatMemoryBench(r));
      if (args.json) console.log(JSON.stringify(r));
    })
    .catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exitCode = 1;
    })
    .finally(() => {
      off();
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    });
}
