// Stub activities for the fast workflow tests: every activity name createActivities
// registers, each recording its calls and doing what a behaviour map says (name →
// function). A behaviour for a name that is no activity (renamed?) throws at once;
// an activity the workflow calls without a behaviour fails non-retryably and is
// listed in `unstubbed`, so a renamed or new activity is loud, never a hang.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type ActivityDeps, type Activities } from '#activities';

export type ActivityName = keyof Activities;

/** What a stub does for one activity: the real signature, any return. */
export type Behaviours = {
  [K in ActivityName]?: (...args: Parameters<Activities[K]>) => Awaited<ReturnType<Activities[K]>> | ReturnType<Activities[K]>;
};

export interface Call {
  name: ActivityName;
  args: unknown[];
  /** Temporal's attempt number (1 = first). */
  attempt: number;
}

/** The activity names the real worker registers (createActivities only builds closures). */
export function activityNames(): ActivityName[] {
  return Object.keys(createActivities({} as ActivityDeps)).sort() as ActivityName[];
}

/**
 * One scenario per workflow id: the stub worker looks up the running workflow's
 * behaviours and call log, so tests can share a worker.
 */
export interface Scenario {
  behaviours: Behaviours;
  calls: Call[];
  unstubbed: string[];
}

export function recordingActivities(
  scenarioOf: (workflowId: string) => Scenario | undefined,
): Record<string, (...args: unknown[]) => Promise<unknown>> {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of activityNames()) {
    out[name] = async (...args: unknown[]) => {
      const info = Context.current().info;
      const wf = info.workflowExecution?.workflowId ?? '(none)';
      const s = scenarioOf(wf);
      if (!s) throw ApplicationFailure.nonRetryable(`No scenario for workflow ${wf}`, 'NoScenario');
      s.calls.push({ name, args, attempt: info.attempt });
      const b = s.behaviours[name] as ((...a: unknown[]) => unknown) | undefined;
      if (!b) {
        s.unstubbed.push(name);
        throw ApplicationFailure.nonRetryable(`The stub has no behaviour for activity ${name}`, 'UnstubbedActivity');
      }
      return b(...args);
    };
  }
  return out;
}

/** Checks a behaviour map against the real activity names (a renamed activity fails here, by name). */
export function checkBehaviours(b: Behaviours): void {
  const names = new Set<string>(activityNames());
  const unknown = Object.keys(b).filter((k) => !names.has(k));
  if (unknown.length)
    throw new Error(
      `Stub behaviours for ${unknown.join(', ')}, which createActivities does not register (renamed?). Known: ${[...names].join(', ')}`,
    );
}

/** A failure the workflow must not retry (what the real activities throw for a definite error). */
export function fails(message: string, type = 'StubFailure'): never {
  throw ApplicationFailure.nonRetryable(message, type);
}
