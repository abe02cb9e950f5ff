// Request/response with retransmission: per-attempt timeouts grow by a backoff
// factor up to a cap, and everything stays inside the caller's deadline.
import { IpmiTimeoutError } from './errors';
import type { Link } from './transport';
import { nowMs } from './clock';

export interface RetryPolicy {
  /** Wait for the first attempt's answer this long (ms). */
  attemptTimeoutMs: number;
  /** Multiply the wait by this after each unanswered attempt. */
  backoffFactor: number;
  /** Never wait longer than this for one attempt (ms). */
  maxAttemptTimeoutMs: number;
}

export interface ExchangeOptions<T> {
  /** Builds the packet for attempt n (1-based): retransmissions may differ (new session sequence number). */
  build: (attempt: number) => Buffer;
  accept: (msg: Buffer) => T | undefined;
  maxAttempts: number;
  policy: RetryPolicy;
  /** Absolute time (clock.ts nowMs(), monotonic) after which no new attempt starts. */
  deadline: number;
  what: string;
}

export async function exchange<T>(link: Link, o: ExchangeOptions<T>): Promise<T> {
  const started = nowMs();
  let wait = o.policy.attemptTimeoutMs;
  let attempts = 0;
  while (attempts < o.maxAttempts) {
    const remaining = o.deadline - nowMs();
    if (remaining <= 0) break;
    attempts++;
    const value = await link.roundTrip(o.build(attempts), o.accept, Math.min(wait, remaining));
    if (value !== undefined) return value;
    wait = Math.min(wait * o.policy.backoffFactor, o.policy.maxAttemptTimeoutMs);
  }
  const elapsed = nowMs() - started;
  throw new IpmiTimeoutError(`no answer to ${o.what} after ${attempts} attempt(s) in ${elapsed} ms`, attempts, elapsed);
}
