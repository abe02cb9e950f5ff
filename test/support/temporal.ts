// A Temporal dev server for tests. `npm test` starts one for the whole run and
// passes IRONFLOW_TEST_TEMPORAL_ADDRESS; a test file run alone starts its own.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { toolEnv } from '#activities/shared/command-runner';
import { repoRoot } from '#apps/shared/repo-root';
import { freeTcpPort, startProcess, waitForTcp, type Proc } from './procs';

export interface TemporalServer {
  address: string;
  stop(): Promise<void>;
}

export function temporalCli(): string {
  return (
    process.env.IRONFLOW_TEMPORAL_CLI ??
    execFileSync('bash', [path.join(repoRoot(), 'scripts', 'temporal-cli.sh')], { encoding: 'utf8', env: toolEnv() }).trim()
  );
}

/** Starts a dev server; with dbFile its state survives a restart (the fault tests need that). */
export async function startTemporal(
  opts: { dbFile?: string; port?: number; logFile?: string } = {},
): Promise<TemporalServer & { proc: Proc; port: number }> {
  const port = opts.port ?? (await freeTcpPort());
  const uiPort = await freeTcpPort();
  const logFile = opts.logFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-temporal-')), 'temporal.log');
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--headless',
    '--log-level',
    'error',
  ];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  const proc = startProcess(temporalCli(), args, { logFile });
  await waitForTcp(port, 60_000);
  return { address: `127.0.0.1:${port}`, port, proc, stop: () => proc.stop() };
}

/** The shared server if `npm test` gave one, else a new one owned by the caller. */
export async function useTemporal(): Promise<TemporalServer> {
  const shared = process.env.IRONFLOW_TEST_TEMPORAL_ADDRESS;
  if (shared) return { address: shared, stop: async () => undefined };
  return startTemporal();
}
