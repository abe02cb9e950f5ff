// What the benchmark ran on: cores, memory, CPU model (from /proc/cpuinfo), date and load.
import fs from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  nproc: number;
  memoryGiB: number;
  cpuModel: string;
  kernel: string;
  date: string;
  /** 1-minute load average when the run started: other work on a shared machine skews the figures. */
  loadAverage1m: number;
}

/** The first "model name" in a /proc/cpuinfo text, or "unknown". */
export function cpuModelOf(cpuinfo: string): string {
  const m = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
  return m ? m[1].trim() : 'unknown';
}

export function machineInfo(now = new Date()): MachineInfo {
  let cpuinfo = '';
  try {
    cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* not Linux */
  }
  return {
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: cpuModelOf(cpuinfo),
    kernel: `${os.type()} ${os.release()}`,
    date: now.toISOString(),
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}
