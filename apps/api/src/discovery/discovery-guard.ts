// The gate of POST /v1/discovery, the one route an unknown machine may call with no secret at all
// (it has none: it is unknown). Installed before the body parser, so a refused request costs no body
// reading and no database lookup:
//   - discovery off (IRONFLOW_DISCOVERY unset or 0): 404, as if the route did not exist;
//   - the peer's address (the socket's; X-Forwarded-For is anyone's to write) outside
//     IRONFLOW_DISCOVERY_SOURCES (the provisioning network; default loopback only): 403;
//   - a body over DISCOVERY_MAX_BODY (the 64 KiB inventory and its envelope): 413;
//   - rate: a token bucket per source address and one for all sources together (429 + Retry-After;
//     the ramdisk retries 429 by itself). A real server reports once per boot (plus retries).
// What passes is still validated in full (discovery-request.ts) before anything is written.
import type { NextFunction, Request, Response } from 'express';
import { cidrContains, parseIp, type Cidr } from '#workflows/domain/image-networks';
import { ApiError, ForbiddenError } from '../common/errors';
import { CallbackLimiter, type CallbackLimits } from '../deployments/callback-limiter';

export interface DiscoverySettings {
  enabled: boolean;
  /** Where reports may come from (the provisioning network). */
  sources: Cidr[];
  limits?: CallbackLimits;
}

/** IRONFLOW_DISCOVERY_SOURCES when unset: loopback (a lab relay); set it to the provisioning network. */
export const DEFAULT_DISCOVERY_SOURCES = '127.0.0.0/8,::1/128';
export const DISCOVERY_PATH = /^\/v1\/discovery\/?$/;
export const DISCOVERY_MAX_BODY = 80 * 1024;
/** perDeployment is the bucket all sources share (one key); perSource is per peer address. */
export const DEFAULT_DISCOVERY_LIMITS: CallbackLimits = {
  perDeployment: { rate: 5, burst: 100 },
  perSource: { rate: 0.5, burst: 10 },
  failureCost: 5,
};
const ALL = 'discovery';

function sourceOf(req: Request): string {
  return (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

export function discoveryGuard(s: DiscoverySettings) {
  const limiter = new CallbackLimiter(s.limits ?? DEFAULT_DISCOVERY_LIMITS);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!DISCOVERY_PATH.test(req.path)) return next();
    if (!s.enabled) {
      next(
        new ApiError(404, 'Discovery is off: set IRONFLOW_DISCOVERY=1 on the API and the worker to enroll unknown servers that PXE-boot.'),
      );
      return;
    }
    const source = sourceOf(req);
    const ip = parseIp(source);
    if (!ip || !s.sources.some((c) => cidrContains(c, ip))) {
      next(
        new ForbiddenError(
          `Discovery reports are accepted from ${s.sources.map((c) => c.text).join(', ') || 'nowhere'} (IRONFLOW_DISCOVERY_SOURCES), not from ${source}.`,
        ),
      );
      return;
    }
    const length = Number(req.header('content-length') ?? NaN);
    if (!Number.isFinite(length) || length > DISCOVERY_MAX_BODY) {
      next(new ApiError(413, `A discovery report must state its Content-Length and be at most ${DISCOVERY_MAX_BODY} bytes.`));
      return;
    }
    const v = limiter.take(ALL, source);
    if (!v.ok) {
      res.setHeader('Retry-After', String(v.retryAfterSec));
      const who = v.scope === 'source' ? `from ${source}` : 'from all sources together';
      next(new ApiError(429, `Too many discovery reports ${who}: at most ${v.limit.rate} a second. Retry after ${v.retryAfterSec} s.`));
      return;
    }
    res.on('finish', () => {
      if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 429) limiter.penalize(ALL, source);
    });
    next();
  };
}
