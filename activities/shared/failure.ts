// Typed errors that say retrying cannot help (`retryable === false`) become
// non-retryable Temporal failures; everything else stays a plain, retryable error.
import { ApplicationFailure } from '@temporalio/activity';

export function asActivityError(err: unknown): Error {
  const e = err as Error & { retryable?: boolean; type?: string };
  if (e && e.retryable === false) return ApplicationFailure.nonRetryable(e.message, e.type ?? e.name);
  return e instanceof Error ? e : new Error(String(err));
}

/** Runs fn, translating its errors with asActivityError. */
export async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw asActivityError(e);
  }
}
