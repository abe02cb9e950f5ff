// Long-running lab processes (ipmi_sim, in.tftpd): started in their own
// process group with output to a log file, so they can outlive the Node
// process that started them (`cli.ts up`), and stopped by PID only. They and the
// scripts they run (chassis.sh, node-server.sh, ramdisk/init) get LC_ALL=C.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { toolEnv } from '#activities/shared/command-runner';

export interface DetachedProcess {
  pid: number;
  /** First words of the command, checked before a later stop (PID reuse). */
  exe: string;
}

export function spawnDetached(
  file: string,
  args: string[],
  opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string },
): DetachedProcess {
  const fd = fs.openSync(opts.logFile, 'a');
  const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: toolEnv(opts.env), cwd: opts.cwd });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  child.unref();
  // Reap it if it dies while we are still running.
  child.on('error', () => undefined);
  return { pid: child.pid, exe: file.split('/').pop() ?? file };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill 0: look at its state.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** True if /proc says PID still runs the expected executable. */
export function runsExe(pid: number, exe: string): boolean {
  try {
    const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0.split('/').pop() === exe;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after graceMs; only if PID still runs `exe`. */
export async function stopDetached(p: DetachedProcess, graceMs = 3000): Promise<void> {
  if (!isAlive(p.pid) || !runsExe(p.pid, p.exe)) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = performance.now() + graceMs; // monotonic: immune to wall-clock steps
  while (isAlive(p.pid) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  if (isAlive(p.pid)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (isAlive(p.pid)) await new Promise((r) => setTimeout(r, 10));
  }
}
