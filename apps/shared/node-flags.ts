// How the API and the worker processes are started (scripts/stack.ts, the memory bench):
// their Node/V8 flags and memory-related environment, in one place, so that what the
// bench measures is what `npm start` runs.
export type IronflowProcess = 'api' | 'worker';

/**
 * Node flags per process (before the entry file).
 * --max-semi-space-size=1: V8's young generation grows to 16 MiB semi-spaces by default and
 * keeps them resident; ours allocate at a modest rate (requests, activity payloads), so 1 MiB
 * semi-spaces cost more, cheap scavenges and saved 67 MiB of RSS for the two processes
 * (memory bench, 64 MiB deploy: 421 -> 354 MiB, 2026-12-03).
 */
export const NODE_FLAGS: Readonly<Record<IronflowProcess, readonly string[]>> = {
  api: ['--max-semi-space-size=1'],
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
