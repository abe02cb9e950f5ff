// Real OpenStack Ironic as a benchmark baseline. The harness lives outside the
// repository, at ../shared/peers/ironic (its README says how it is configured:
// standalone, noauth, JSON-RPC, SQLite in a work dir); we only call its
// start.sh/stop.sh with free 127.0.0.1 ports and a temporary WORKDIR.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { repoRoot } from '#apps/shared/repo-root';
import { freeTcpPort, freeUdpPort } from '#test/support/procs';
import { ironicInstalled } from './lib/ironic-install';
import { processTree } from './lib/proc-usage';

export interface IronicPeer {
  url: string;
  workDir: string;
  pids: { statsd: number; conductor: number; api: number };
  version: string;
  /** Runs stop.sh, then SIGKILLs any process of the peer's trees still alive (by PID). */
  stop(): Promise<void>;
}

/** Where the peer harness is: $IRONFLOW_IRONIC_PEER_DIR, else ../shared/peers/ironic next to the repository (a worktree names it). */
export function ironicPeerDir(root = repoRoot()): string {
  return process.env.IRONFLOW_IRONIC_PEER_DIR ?? path.resolve(root, '..', 'shared', 'peers', 'ironic');
}

/** Why the peer cannot run here, or undefined when it can. */
export function ironicUnavailable(dir = ironicPeerDir()): string | undefined {
  for (const f of ['start.sh', 'stop.sh', 'ironic.conf.in']) {
    if (!fs.existsSync(path.join(dir, f))) return `the Ironic peer harness is missing (${path.join(dir, f)})`;
  }
  if (!ironicInstalled()) return 'Ironic not installed (run with --with-ironic)';
  return undefined;
}

/** The installed Ironic's version, e.g. "21.4.4". */
export async function ironicVersion(): Promise<string> {
  const r = await runCommand({ file: 'ironic-api', args: ['--version'], timeoutMs: 60_000 });
  return (r.stdout.trim() || r.stderr.trim()).split('\n').pop() as string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts ironic-conductor and ironic-api (with its workers) in workDir; resolves once the API lists the ipmi driver. */
export async function startIronicPeer(workDir: string, dir = ironicPeerDir()): Promise<IronicPeer> {
  const env = {
    API_PORT: String(await freeTcpPort()),
    RPC_PORT: String(await freeTcpPort()),
    STATSD_PORT: String(await freeUdpPort()),
  };
  const stopScript = path.join(dir, 'stop.sh');
  // Everything start.sh started, as seen while it ran (forked API workers included).
  const started = new Set<number>();
  const remember = (): void => {
    const pidFile = path.join(workDir, 'pids');
    if (!fs.existsSync(pidFile)) return;
    for (const p of fs.readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number)) {
      for (const q of processTree(p)) started.add(q);
    }
  };
  const stop = async (): Promise<void> => {
    remember();
    await runCommand({ file: 'bash', args: [stopScript, workDir], timeoutMs: 60_000 }).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while ([...started].some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const p of started) {
      if (alive(p)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  };
  try {
    await runCommand({ file: 'bash', args: [path.join(dir, 'start.sh'), workDir], env, timeoutMs: 180_000 });
  } catch (e) {
    await stop();
    const logs = path.join(workDir, 'log');
    throw new Error(`Ironic did not start: ${e instanceof Error ? e.message : String(e)} (logs: ${logs})`);
  }
  const [statsd, conductor, api] = fs.readFileSync(path.join(workDir, 'pids'), 'utf8').split(/\s+/).filter(Boolean).map(Number);
  remember();
  return {
    url: fs.readFileSync(path.join(workDir, 'url'), 'utf8').trim(),
    workDir,
    pids: { statsd, conductor, api },
    version: await ironicVersion(),
    stop,
  };
}
