// Ironflow's API as a separate process, the way it runs in production: a
// Temporal dev server and a database (a SQLite file, or a throwaway PostgreSQL)
// on free 127.0.0.1 ports, then `node <build>/apps/api/src/main.js`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { runCommand } from '#activities/shared/command-runner';
import { repoRoot } from '#apps/shared/repo-root';
import { freeTcpPort, startProcess, waitFor, waitForTcp, type Proc } from '#test/support/procs';
import type { Cleanups } from './cleanups';
import type { DbKind } from './api-bench-args';
import { call } from './ironic-http';

export interface IronflowServer {
  url: string;
  /** PID of the API process (the one whose memory is measured). */
  apiPid: number;
  temporalPid: number;
  databaseUrl: string;
  workDir: string;
  versions: Record<string, string>;
  /** Stops the API (SIGTERM: a CPU profile, if asked for, is written then). */
  stopApi(): Promise<void>;
}

export interface IronflowServerOptions {
  db: DbKind;
  workDir: string;
  cleanups: Cleanups;
  /** Directory for a V8 CPU profile of the API process. */
  cpuProfDir?: string;
  log: (line: string) => void;
}

/** The compiled API entry point of the build this benchmark runs from. */
export function apiEntry(): string {
  // Compiled JS next to compiled JS (dist/ or .build/NAME/): bench/lib/ -> apps/api/src/main.js.
  return path.resolve(__dirname, '..', '..', 'apps', 'api', 'src', 'main.js');
}

async function text(file: string, args: string[]): Promise<string> {
  return (await runCommand({ file, args, timeoutMs: 15 * 60_000 })).stdout.trim();
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

async function startTemporal(o: IronflowServerOptions): Promise<{ address: string; version: string; pid: number }> {
  const cli = await text('bash', [path.join(repoRoot(), 'scripts', 'temporal-cli.sh')]);
  const port = await freeTcpPort();
  const uiPort = await freeTcpPort();
  const proc: Proc = startProcess(
    cli,
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--ui-port', String(uiPort), '--headless', '--log-level', 'error'],
    { logFile: path.join(o.workDir, 'temporal.log') },
  );
  o.cleanups.add('temporal', () => proc.stop(10_000));
  await waitForTcp(port, 60_000);
  const version = (await text(cli, ['--version'])).replace(/^temporal version\s*/, '');
  return { address: `127.0.0.1:${port}`, version, pid: proc.pid };
}

async function startDatabase(o: IronflowServerOptions): Promise<{ url: string; version: string }> {
  if (o.db === 'sqlite') {
    const mem = new Sqlite(':memory:');
    const v = (mem.prepare('select sqlite_version() as v').get() as { v: string }).v;
    mem.close();
    return { url: `file:${path.join(o.workDir, 'ironflow.db')}`, version: `SQLite ${v} (better-sqlite3)` };
  }
  // Its own temp dir straight under /tmp: postgres.sh hands it to the postgres user, who must reach it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bench-pg-'));
  const script = path.join(repoRoot(), 'scripts', 'postgres.sh');
  o.cleanups.add('postgresql', async () => {
    await runCommand({ file: 'bash', args: [script, 'stop', dir], timeoutMs: 60_000 });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const url = await text('bash', [script, 'start', dir]);
  const bin = await text('bash', ['-c', 'ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1']);
  const version = await text(path.join(bin, 'postgres'), ['--version']);
  return { url, version };
}

export async function startIronflow(o: IronflowServerOptions): Promise<IronflowServer> {
  const entry = apiEntry();
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: build first (npm run build)`);
  const temporal = await startTemporal(o);
  o.log(`  Temporal dev server on ${temporal.address}`);
  const db = await startDatabase(o);
  o.log(`  database ${redactUrl(db.url)}`);
  const port = await freeTcpPort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    IRONFLOW_API_HOST: '127.0.0.1',
    IRONFLOW_API_PORT: String(port),
    DATABASE_URL: db.url,
    IRONFLOW_DATA_DIR: path.join(o.workDir, 'data'),
    TEMPORAL_ADDRESS: temporal.address,
  };
  const nodeArgs: string[] = [];
  if (o.cpuProfDir) {
    fs.mkdirSync(o.cpuProfDir, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', path.resolve(o.cpuProfDir));
  }
  const api = startProcess(process.execPath, [...nodeArgs, entry], { logFile: path.join(o.workDir, 'api.log'), env });
  o.cleanups.add('ironflow-api', () => api.stop(10_000));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => {
    api.child.once('exit', (code, sig) => reject(new Error(`the Ironflow API exited (${sig ?? code}) while starting; see ${api.logFile}`)));
  });
  exited.catch(() => undefined);
  await Promise.race([exited, waitFor(async () => (await call(url, 'GET', '/v1')).status === 200, 120_000, 'the Ironflow API')]);
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  const commit = await text('git', ['-C', repoRoot(), 'rev-parse', '--short', 'HEAD']).catch(() => 'unknown');
  return {
    url,
    apiPid: api.pid,
    temporalPid: temporal.pid,
    databaseUrl: redactUrl(db.url),
    workDir: o.workDir,
    versions: { ironflow: `${pkg.version} (git ${commit})`, node: process.version, database: db.version, temporal: temporal.version },
    stopApi: () => o.cleanups.runOne('ironflow-api'),
  };
}
