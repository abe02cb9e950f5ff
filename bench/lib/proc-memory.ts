// The memory of another process, from /proc/<pid>/status: resident set (VmRSS) and its
// parts (anonymous: heaps and buffers; file: mapped code and libraries), and the peak
// the kernel recorded (VmHWM). Linux only, as is the rest of the lab.
import fs from 'node:fs';

export interface ProcMemory {
  rssBytes: number;
  anonBytes: number;
  fileBytes: number;
  /** The highest RSS the process ever had. */
  hwmBytes: number;
}

/** Parses the kB fields of a /proc/<pid>/status text. */
export function parseProcStatus(text: string): ProcMemory {
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc status has no ${field} field`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kb('VmRSS'), anonBytes: kb('RssAnon'), fileBytes: kb('RssFile'), hwmBytes: kb('VmHWM') };
}

export function procMemory(pid: number): ProcMemory {
  return parseProcStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}
