// How the API and the worker processes are started (scripts/stack.ts, the memory bench):
// their Node/V8 flags and memory-related environment, in one place, so that what the
// bench measures is what `npm start` runs.
export type IronflowProcess = 'api' | 'worker';

/** Node flags per process (before the entry file). */
export const NODE_FLAGS: Readonly<Record<IronflowProcess, readonly string[]>> = {
  api: [],
  worker: [],
};

/** Environment added for every process (values already set by the operator win). */
export const MEMORY_ENV: Readonly<Record<string, string>> = {};

/** The flags and the environment to start one of the processes with. */
export function nodeProcess(kind: IronflowProcess, env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  return { args: [...NODE_FLAGS[kind]], env: { ...MEMORY_ENV, ...env } };
}
