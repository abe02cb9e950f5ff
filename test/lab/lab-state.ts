// The lab's state file (<dir>/state.json): what `cli.ts up` started, so that
// `down` stops exactly those PIDs and other tools can enroll the nodes.
import fs from 'node:fs';
import path from 'node:path';
import { isAlive, runsExe, stopDetached } from './detached-process';
import { powerCutNode, type Lab, type LabNodeDescription } from './lab';
import { stopVmLab, type VmLabState } from './vm-lab';

export interface LabStateNode extends LabNodeDescription {
  iscsiPort: number;
  tgtControl: number;
}

export interface LabState {
  createdAt: string;
  dir: string;
  tftpRoot: string;
  tftpPort: number;
  processes: { role: string; pid: number; exe: string }[];
  nodes: LabStateNode[];
  /** The VM lab (`up --vms N`), if any. */
  vm?: VmLabState;
}

export function stateFile(dir: string): string {
  return path.join(path.resolve(dir), 'state.json');
}

/** A state with no simulated servers (`up --vms N` alone). */
export function emptyLabState(dir: string, bootRoot: string): LabState {
  return { createdAt: new Date().toISOString(), dir: path.resolve(dir), tftpRoot: bootRoot, tftpPort: 0, processes: [], nodes: [] };
}

export function labState(lab: Lab): LabState {
  const described = lab.describe();
  return {
    createdAt: new Date().toISOString(),
    dir: lab.dir,
    tftpRoot: lab.tftpRoot,
    tftpPort: lab.tftpPort,
    processes: lab.processes,
    nodes: lab.nodes.map((n, i) => ({ ...described[i]!, iscsiPort: n.iscsiPort, tgtControl: n.tgtControl })),
  };
}

export function writeLabState(dir: string, state: LabState): void {
  const file = stateFile(dir);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

export function readLabState(dir: string): LabState | undefined {
  const file = stateFile(dir);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as LabState;
}

/** Processes of the state that still run what they ran. */
export function liveProcesses(state: LabState): LabState['processes'] {
  return [...state.processes, ...(state.vm?.processes ?? [])].filter((p) => isAlive(p.pid) && runsExe(p.pid, p.exe));
}

/**
 * Powers every node off and stops exactly the recorded PIDs; for a VM lab also
 * kills the VMs and removes its namespace, veth and taps. Removes the state file.
 */
export async function stopLabFromState(dir: string): Promise<LabState | undefined> {
  const state = readLabState(dir);
  if (!state) return undefined;
  for (const n of state.nodes) powerCutNode(n.nodeDir);
  await Promise.all(state.processes.map((p) => stopDetached(p)));
  if (state.vm) await stopVmLab(state.vm);
  fs.rmSync(stateFile(dir), { force: true });
  return state;
}
