// Who is asking and under which request id. Set by authMiddleware for every request;
// services take it to write history events naming the actor.
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from './errors';

export type Role = 'admin' | 'member' | 'observer';

export interface RequestContext {
  requestId: string;
  actor: string;
  role: Role;
  project: string | null;
}

export interface ApiToken {
  name: string;
  role: Role;
  /** A member's project: it sees and acts on nodes whose owner is this project. */
  project?: string;
  token: string;
}

export type AuthConfig = { mode: 'none' } | { mode: 'token'; tokens: ApiToken[] };

declare module 'express-serve-static-core' {
  interface Request {
    ctx?: RequestContext;
  }
}

function digest(s: string): Buffer {
  return crypto.createHash('sha256').update(s).digest();
}

/** Constant-time lookup: every configured token is compared, whatever matches first. */
export function findToken(tokens: readonly ApiToken[], presented: string): ApiToken | undefined {
  const d = digest(presented);
  let found: ApiToken | undefined;
  for (const t of tokens) if (crypto.timingSafeEqual(digest(t.token), d) && !found) found = t;
  return found;
}

function presentedToken(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return req.header('x-auth-token') ?? undefined;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authMiddleware(auth: AuthConfig) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = `req-${crypto.randomUUID()}`;
    res.setHeader('Openstack-Request-Id', requestId);
    res.setHeader('X-Openstack-Request-Id', requestId);
    // The deploy ramdisk authenticates with its per-deployment secret, not an API token.
    if (/^\/v1\/deployments\/[^/]+\/callback\/?$/.test(req.path)) {
      req.ctx = { requestId, actor: 'deploy-ramdisk', role: 'observer', project: null };
      next();
      return;
    }
    // An unknown server has neither: discovery-guard.ts decides who may report (apps/api/src/discovery).
    if (req.method === 'POST' && /^\/v1\/discovery\/?$/.test(req.path)) {
      req.ctx = { requestId, actor: 'discovery-ramdisk', role: 'observer', project: null };
      next();
      return;
    }
    if (auth.mode === 'none') {
      // No auth configured: the API only listens on loopback (checked at start-up).
      req.ctx = { requestId, actor: 'anonymous@loopback', role: 'admin', project: null };
      next();
      return;
    }
    const presented = presentedToken(req);
    const tok = presented ? findToken(auth.tokens, presented) : undefined;
    if (!tok) {
      next(new UnauthorizedError(presented ? 'The token is not valid.' : undefined));
      return;
    }
    if (tok.role === 'observer' && !READ_METHODS.has(req.method)) {
      next(new ForbiddenError(`Token ${tok.name} has the observer role, which can read but not change anything.`));
      return;
    }
    req.ctx = { requestId, actor: tok.name, role: tok.role, project: tok.project ?? null };
    next();
  };
}

export function ctxOf(req: Request): RequestContext {
  if (!req.ctx) throw new Error('request context missing: authMiddleware not installed');
  return req.ctx;
}
