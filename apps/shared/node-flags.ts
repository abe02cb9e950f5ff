// How the API and the worker processes are started (scripts/stack.ts, the memory bench):
// their Node/V8 flags and memory-related environment, in one place, so that what the
// bench measures is what `npm start` runs.
export type IronflowProcess = 'api' | 'worker';

/**
 * Node flags per process (before the entry file).
 * Worker, --max-semi-space-size=1: V8's young generation grows to 16 MiB semi-spaces by default
 * and keeps them resident; the worker allocates at a modest rate (activity payloads, IPMI
 * datagrams), so 1 MiB semi-spaces cost it a few more cheap scavenges. Both processes with it:
 * 421 -> 354 MiB RSS (memory bench, one 64 MiB deploy, 2026-12-03).
 * Not the API: with it, GET /v1/nodes/detail of 1,000 nodes took 35-40% more CPU per request
 * (api bench, two paired runs: 93/108 -> 131/145 ms at load 16-20) for 12-59 MiB less RSS.
 */
export const NODE_FLAGS: Readonly<Record<IronflowProcess, readonly string[]>> = {
  api: [],
  worker: ['--max-semi-space-size=1'],
};

/**
 * Environment added for every process (values already set by the operator win).
 * MALLOC_ARENA_MAX=2: glibc gives each thread that mallocs its own arena (up to 8 per core);
 * the worker's native Temporal core and libuv's pool threads each left one partly resident
 * (memory bench, with the flag above: 354 -> 315 MiB for the two processes).
 */
export const MEMORY_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The flags and the environment to start one of the processes with. */
export function nodeProcess(kind: IronflowProcess, env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...NODE_FLAGS[kind]], env: { ...MEMORY_ENV, ...env } };
}
