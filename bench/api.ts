// API benchmark: Ironflow's Ironic-compatible API against real OpenStack Ironic,
// same workload, same run, one system at a time on this machine:
//   (a) enroll N nodes (+1 port each) with C concurrent keep-alive HTTP clients;
//   (b) R sequential GET /v1/nodes and GET /v1/nodes/detail with N nodes enrolled;
//   (c) RSS (and PSS, CPU seconds) of the API process(es) at the end.
//
//   npm run bench -- api [--nodes 1000] [--concurrency 8] [--requests 50] [--db sqlite|postgres] [--with-ironic]
//
// Ironic comes from ../shared/peers/ironic (see bench/ironic-peer.ts); when it is
// not installed, --with-ironic installs it from Debian, else only Ironflow is measured.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ironicUnavailable, startIronicPeer } from './ironic-peer';
import { API_BENCH_USAGE, parseApiBenchArgs, UsageError, type ApiBenchArgs } from './lib/api-bench-args';
import { formatApiBench, type ApiBenchResult, type SystemResult } from './lib/api-report';
import { Cleanups } from './lib/cleanups';
import { formatProfileSummary, monotonicMicros, newestProfile, summariseProfile, type CpuProfile } from './lib/cpu-profile';
import { installIronic, ironicInstalled } from './lib/ironic-install';
import { startIronflow } from './lib/ironflow-server';
import { machineInfo } from './lib/machine';
import { treeUsage } from './lib/proc-usage';
import { enroll, timeList, type EnrollResult } from './lib/workload';

type Log = (line: string) => void;

/** When each phase ran, in monotonic microseconds (comparable with a CPU profile's samples). */
type Phases = { name: string; fromUs: number; toUs: number; cpuSeconds: number }[];

type Measured = Pick<SystemResult, 'enroll' | 'list' | 'detail' | 'cpuMs' | 'load'>;

const load1 = (): number => Math.round(os.loadavg()[0] * 100) / 100;

/**
 * Runs the workload against url. `cpuSeconds` reads the CPU time the system's
 * server processes have used so far, so each phase's CPU cost per operation is
 * known too: on a busy machine that is steadier than wall-clock latency.
 */
async function measure(
  name: string,
  url: string,
  a: ApiBenchArgs,
  log: Log,
  cpuSeconds: () => number,
  phases: Phases = [],
): Promise<Measured> {
  const loadStart = load1();
  log(`  ${name}: enrolling ${a.nodes} nodes + ports with ${a.concurrency} clients ...`);
  const phase = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    const fromUs = monotonicMicros();
    const cpu0 = cpuSeconds();
    try {
      return await run();
    } finally {
      phases.push({ name: label, fromUs, toUs: monotonicMicros(), cpuSeconds: cpuSeconds() - cpu0 });
    }
  };
  const en: EnrollResult = await phase('(a) enroll', () => enroll(url, a.nodes, a.concurrency));
  log(
    `  ${name}: enrolled ${en.enrolled}/${a.nodes} in ${en.seconds.toFixed(2)} s (${en.nodesPerSecond.toFixed(1)} nodes/s)` +
      (en.failures ? `, ${en.failures} failures: ${en.firstFailure}` : ''),
  );
  const list = await phase('(b) GET /v1/nodes', () => timeList(url, '/v1/nodes', a.requests));
  const detail = await phase('(b) GET /v1/nodes/detail', () => timeList(url, '/v1/nodes/detail', a.requests));
  const want = Math.min(en.nodesCreated, 1000);
  for (const l of [list, detail]) {
    if (l.latency && l.items !== want) throw new Error(`${name}: GET ${l.path} returned ${l.items} nodes, expected ${want}`);
    const p50 = l.latency ? `p50 ${l.latency.p50Ms.toFixed(1)} ms` : 'every request failed';
    log(`  ${name}: GET ${l.path} ${p50}${l.failures ? `; ${l.failures}/${a.requests} failed: ${l.firstFailure}` : ''}`);
  }
  const [cEnroll, cList, cDetail] = phases.map((p) => p.cpuSeconds * 1000);
  return {
    enroll: en,
    list,
    detail,
    // per node enrolled (node + port), per GET (the warm-up included)
    cpuMs: {
      enrollPerNode: cEnroll / Math.max(1, en.enrolled),
      listPerGet: cList / (a.requests + 1),
      detailPerGet: cDetail / (a.requests + 1),
    },
    load: { start: loadStart, end: load1() },
  };
}

async function benchIronflow(a: ApiBenchArgs, cleanups: Cleanups, workDir: string, log: Log): Promise<SystemResult> {
  log(`Ironflow (${a.db}): starting Temporal, the database and the API ...`);
  const dir = path.join(workDir, 'ironflow');
  fs.mkdirSync(dir);
  const server = await startIronflow({ db: a.db, workDir: dir, cleanups, cpuProfDir: a.cpuProf, log });
  const phases: Phases = [];
  const figures = await measure('Ironflow', server.url, a, log, () => treeUsage(server.apiPid).cpuSeconds, phases);
  const api = treeUsage(server.apiPid);
  const temporal = treeUsage(server.temporalPid);
  await cleanups.runAll();
  if (a.cpuProf) {
    const file = newestProfile(a.cpuProf);
    if (!file) throw new Error(`the API wrote no CPU profile into ${a.cpuProf}`);
    log(`  CPU profile of the API: ${file}`);
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    for (const p of phases) log(formatProfileSummary(`Ironflow API CPU profile, ${p.name}`, summariseProfile(profile, p, 12)));
  }
  return {
    name: 'Ironflow',
    database: server.databaseUrl.startsWith('file:') ? 'SQLite file' : 'PostgreSQL (throwaway, fsync off)',
    ...figures,
    processes: [
      { label: 'API', usage: api, inTotal: true },
      { label: 'Temporal dev server', usage: temporal, inTotal: false },
    ],
    versions: server.versions,
  };
}

async function benchIronic(a: ApiBenchArgs, cleanups: Cleanups, workDir: string, log: Log): Promise<SystemResult> {
  log('Ironic: starting ironic-conductor and ironic-api (../shared/peers/ironic/start.sh) ...');
  const dir = path.join(workDir, 'ironic');
  fs.mkdirSync(dir);
  const peer = await startIronicPeer(dir);
  cleanups.add('ironic', () => peer.stop());
  log(`  Ironic ${peer.version} on ${peer.url}`);
  const cpu = (): number => treeUsage(peer.pids.api).cpuSeconds + treeUsage(peer.pids.conductor).cpuSeconds;
  const figures = await measure('Ironic', peer.url, a, log, cpu);
  const api = treeUsage(peer.pids.api);
  const conductor = treeUsage(peer.pids.conductor);
  await cleanups.runAll();
  return {
    name: 'Ironic',
    database: 'SQLite file (the peer harness config)',
    ...figures,
    processes: [
      { label: 'API', usage: api, inTotal: true },
      { label: 'conductor', usage: conductor, inTotal: true },
    ],
    versions: { ironic: peer.version },
  };
}

export async function runApiBench(a: ApiBenchArgs, log: Log = (l) => console.error(l)): Promise<ApiBenchResult> {
  let ironicMissing: string | undefined;
  if (!a.ironic) ironicMissing = 'Ironic not measured (--no-ironic)';
  else if (!ironicInstalled() && a.withIronic) await installIronic(log);
  if (a.ironic) ironicMissing = ironicUnavailable();

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bench-api-'));
  const cleanups = new Cleanups(log);
  const offSignals = cleanups.onSignals(() => log(`interrupted; logs kept in ${workDir}`));
  let ok = false;
  try {
    const machine = machineInfo();
    const ironflow = await benchIronflow(a, cleanups, workDir, log);
    let ironic: SystemResult | undefined;
    if (!ironicMissing) {
      try {
        ironic = await benchIronic(a, cleanups, workDir, log);
      } catch (e) {
        await cleanups.runAll();
        ironicMissing = `Ironic could not be measured: ${e instanceof Error ? e.message : String(e)}`;
        log(ironicMissing);
      }
    }
    const loadAtEnd = load1();
    // Keep the servers' logs when a request failed: they say why.
    ok = [ironflow, ironic].every((s) => !s || (s.enroll.failures === 0 && s.list.failures === 0 && s.detail.failures === 0));
    return {
      options: { nodes: a.nodes, concurrency: a.concurrency, requests: a.requests, db: a.db },
      machine,
      ironflow,
      ironic,
      ironicMissing,
      loadAtEnd,
    };
  } finally {
    await cleanups.runAll();
    offSignals();
    if (ok) fs.rmSync(workDir, { recursive: true, force: true });
    else log(`logs kept in ${workDir} (ironflow/api.log, ironic/log/)`);
  }
}

if (require.main === module) {
  let args: ApiBenchArgs;
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(API_BENCH_USAGE);
    process.exit(0);
  }
  try {
    args = parseApiBenchArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof UsageError ? `${e.message}\n${API_BENCH_USAGE}` : e);
    process.exit(2);
  }
  runApiBench(args)
    .then((r) => {
      console.log(formatApiBench(r));
      if (args.json) console.log(JSON.stringify(r));
    })
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    });
}
