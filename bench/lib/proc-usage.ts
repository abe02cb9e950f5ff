// Memory and CPU time of a process and its descendants, read from /proc (Linux):
// RSS (each process counted whole, as `ps` shows it), PSS (shared pages split
// between the processes sharing them, so forked workers are not counted twice)
// and user+system CPU seconds.
import fs from 'node:fs';

export interface TreeUsage {
  /** PIDs measured: the root first, then its descendants. */
  pids: number[];
  rssKiB: number;
  pssKiB: number;
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

/** utime + stime in seconds from a /proc/PID/stat line (the name may hold spaces and parentheses). */
export function cpuSecondsOf(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(rest[11]) + Number(rest[12])) / USER_HZ;
}

/**
 * Direct children of pid, from /proc/PID/task/TID/children where the kernel has it
 * (CONFIG_PROC_CHILDREN); else by reading every /proc/N/stat for its parent (field 4).
 * `proc` is the proc mount (tests give a made-up one).
 */
export function childrenOf(pid: number, proc = '/proc'): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`${proc}/${pid}/task`);
  } catch {
    return out;
  }
  let kernelLists = false;
  for (const tid of tasks) {
    try {
      const text = fs.readFileSync(`${proc}/${pid}/task/${tid}/children`, 'utf8').trim();
      kernelLists = true;
      if (text) out.push(...text.split(/\s+/).map(Number));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') kernelLists = true; // the task ended
    }
  }
  return kernelLists ? out : childrenByParentScan(pid, proc);
}

/** Processes whose /proc/N/stat names pid as parent. */
function childrenByParentScan(pid: number, proc: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync(proc)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`${proc}/${name}/stat`, 'utf8');
      // After "(name)": state, then the parent's pid.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      /* ended */
    }
  }
  return out.sort((a, b) => a - b);
}

/** pid and every live descendant. */
export function processTree(pid: number): number[] {
  const seen: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const p = queue.shift() as number;
    if (seen.includes(p) || !fs.existsSync(`/proc/${p}`)) continue;
    seen.push(p);
    queue.push(...childrenOf(p));
  }
  return seen;
}

/** The value in kB of `key:` in a /proc status or smaps_rollup text, or 0. */
export function kibField(text: string, key: string): number {
  const m = new RegExp(`^${key}:\\s*(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

export function treeUsage(pid: number): TreeUsage {
  const pids = processTree(pid);
  if (pids.length === 0) throw new Error(`process ${pid} is not running`);
  let rssKiB = 0;
  let pssKiB = 0;
  let cpuSeconds = 0;
  for (const p of pids) {
    try {
      rssKiB += kibField(fs.readFileSync(`/proc/${p}/status`, 'utf8'), 'VmRSS');
      pssKiB += kibField(fs.readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'), 'Pss');
      cpuSeconds += cpuSecondsOf(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      /* ended between listing and reading */
    }
  }
  return { pids, rssKiB, pssKiB, cpuSeconds };
}
