// Rate limits for POST /v1/deployments/{id}/callback, the one route anyone on
// the provisioning network can reach without an API token. Two token buckets
// must both have a token: one per deployment id and one per source address.
// A real ramdisk calls about once a second (a poll or a progress report every
// ~2 s, ramdisk/PROTOCOL.md), so the defaults leave ten times that per
// deployment, and room for a hundred such nodes behind one NAT address.
// A refused callback (wrong secret, unknown deployment, bad body, deployment
// over) costs `failureCost` tokens instead of one, so guessing and replaying
// run dry long before honest traffic would.
//
// The buckets live in this process's memory only, on purpose: they are a
// limiter, not a record. A restart forgets them, which lets a flooder start
// afresh but changes no outcome (every callback is still authenticated and
// acted on at most once by seq); several API processes each limit on their own.
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../common/errors';

export interface BucketLimit {
  /** Tokens added per second (the sustained rate). */
  rate: number;
  /** Bucket size: how many may come at once. */
  burst: number;
}

export interface CallbackLimits {
  perDeployment: BucketLimit;
  perSource: BucketLimit;
  /** What a refused callback costs, in tokens (an accepted one costs 1). */
  failureCost: number;
}

export const DEFAULT_CALLBACK_LIMITS: CallbackLimits = {
  perDeployment: { rate: 10, burst: 120 },
  perSource: { rate: 100, burst: 1200 },
  failureCost: 10,
};

interface Bucket {
  tokens: number;
  at: number;
}

export type Verdict = { ok: true } | { ok: false; scope: 'deployment' | 'source'; retryAfterSec: number; limit: BucketLimit };

/** Deployment ids that are not UUID-shaped all share one bucket: they can only ever be answered 404. */
const JUNK_ID = '(not a deployment id)';

export class CallbackLimiter {
  private readonly deployments = new Map<string, Bucket>();
  private readonly sources = new Map<string, Bucket>();

  constructor(
    readonly limits: CallbackLimits = DEFAULT_CALLBACK_LIMITS,
    private readonly now: () => number = Date.now,
    /** Buckets kept per map; beyond it, full (idle) buckets go first, then the oldest. */
    private readonly maxKeys = 10_000,
  ) {}

  static deploymentKey(id: string): string {
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : JUNK_ID;
  }

  /** Takes one token from both buckets, or none when either is empty. */
  take(deploymentId: string, source: string): Verdict {
    const t = this.now();
    const d = this.bucket(this.deployments, CallbackLimiter.deploymentKey(deploymentId), this.limits.perDeployment, t);
    const s = this.bucket(this.sources, source, this.limits.perSource, t);
    for (const [b, scope, limit] of [
      [s, 'source', this.limits.perSource],
      [d, 'deployment', this.limits.perDeployment],
    ] as const) {
      if (b.tokens < 1) return { ok: false, scope, limit, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / limit.rate)) };
    }
    d.tokens -= 1;
    s.tokens -= 1;
    return { ok: true };
  }

  /** Charges the rest of a refused callback's cost. Debt is capped at one bucket, so a penalty ends. */
  penalize(deploymentId: string, source: string): void {
    const extra = this.limits.failureCost - 1;
    const t = this.now();
    const d = this.bucket(this.deployments, CallbackLimiter.deploymentKey(deploymentId), this.limits.perDeployment, t);
    const s = this.bucket(this.sources, source, this.limits.perSource, t);
    d.tokens = Math.max(-this.limits.perDeployment.burst, d.tokens - extra);
    s.tokens = Math.max(-this.limits.perSource.burst, s.tokens - extra);
  }

  /** How many buckets are held (for tests: memory stays bounded). */
  size(): { deployments: number; sources: number } {
    return { deployments: this.deployments.size, sources: this.sources.size };
  }

  private bucket(map: Map<string, Bucket>, key: string, limit: BucketLimit, t: number): Bucket {
    let b = map.get(key);
    if (!b) {
      if (map.size >= this.maxKeys) this.prune(map, limit, t);
      b = { tokens: limit.burst, at: t };
      map.set(key, b);
    }
    b.tokens = Math.min(limit.burst, b.tokens + ((t - b.at) / 1000) * limit.rate);
    b.at = t;
    return b;
  }

  /** A full bucket is the same as none, so those go first; then the oldest-created. */
  private prune(map: Map<string, Bucket>, limit: BucketLimit, t: number): void {
    for (const [k, b] of map) {
      if (b.tokens + ((t - b.at) / 1000) * limit.rate >= limit.burst) map.delete(k);
    }
    for (const k of map.keys()) {
      if (map.size < this.maxKeys) break;
      map.delete(k);
    }
  }
}

const CALLBACK_PATH = /^\/v1\/deployments\/([^/]+)\/callback\/?$/;

/** The peer's address as the socket sees it (X-Forwarded-For is anyone's to write, so it is not read). */
function sourceOf(req: Request): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/**
 * Express middleware, installed before the body parser so a throttled flood
 * costs no body reading and no database lookup. Answers 429 with Retry-After.
 */
export function callbackRateLimit(limiter: CallbackLimiter) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const m = req.method === 'POST' ? CALLBACK_PATH.exec(req.path) : null;
    if (!m) return next();
    const id = m[1].slice(0, 64);
    const source = sourceOf(req);
    const v = limiter.take(id, source);
    if (!v.ok) {
      res.setHeader('Retry-After', String(v.retryAfterSec));
      const who = v.scope === 'deployment' ? `for deployment ${id}` : `from ${source}`;
      next(
        new ApiError(
          429,
          `Too many callbacks ${who}: at most ${v.limit.rate} a second (bursts of ${v.limit.burst}) are accepted, and a refused callback ` +
            `(wrong secret, unknown deployment, bad body) counts ${limiter.limits.failureCost} times. Retry after ${v.retryAfterSec} s ` +
            '(Retry-After); the deploy ramdisk does so by itself.',
        ),
      );
      return;
    }
    res.on('finish', () => {
      if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 429) limiter.penalize(id, source);
    });
    next();
  };
}
