// RedfishClient: HTTP(S) to Redfish BMCs, with the politeness and the auth the
// driver needs and nothing of nodes.
//
// - Politeness as IPMI: one request in flight per BMC (origin), a global limit on
//   requests in flight, and a deadline on every request (a hung BMC is a timeout).
// - Auth (redfish_auth_type): `session` logs in once (POST .../SessionService/Sessions),
//   reuses the X-Auth-Token, and on a 401 logs in again and retries once; `basic`
//   sends Basic on every request; `auto` tries a session and falls back to Basic
//   when the BMC has no session service or refuses to create one for another reason
//   than bad credentials.
// - TLS: verification on by default (the system CAs); a CA file, or off, per target.
//   One keep-alive agent per (BMC, CA setting).
// Credentials go in headers only, never in URLs, errors or logs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { KeyedMutex, Semaphore } from '../ipmi/rmcp/limits';
import {
  RedfishAuthError,
  RedfishConnectionError,
  RedfishError,
  RedfishHttpError,
  RedfishTimeoutError,
  RedfishUnsupportedError,
  redfishErrorDetail,
} from './errors';

export interface RedfishTarget {
  /** https://host[:port] (http:// allowed); paths are appended to it. */
  baseUrl: string;
  /** The System's path (/redfish/v1/Systems/1) or bare id; omitted: the BMC's only system. */
  systemId?: string;
  username: string;
  password: string;
  /** true: the system's CAs; false: no verification; a string: a CA bundle file to verify with. */
  verifyCa: boolean | string;
  authType: 'auto' | 'session' | 'basic';
}

export interface RedfishClientOptions {
  /** Requests in flight across all BMCs (default 64). */
  maxConcurrency?: number;
  /** Deadline of one HTTP request, from when it gets its turn (ms, default 15000). */
  requestTimeoutMs?: number;
}

export interface RedfishResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

type Auth = { kind: 'session'; token: string; location?: string; target: RedfishTarget } | { kind: 'basic' };

const TLS_VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function originOf(t: Pick<RedfishTarget, 'baseUrl'>): string {
  return new URL(t.baseUrl).origin;
}

export class RedfishClient {
  private readonly perBmc = new KeyedMutex();
  private readonly slots: Semaphore;
  private readonly timeoutMs: number;
  private readonly auths = new Map<string, Auth>();
  private readonly agents = new Map<string, http.Agent>();
  private readonly roots = new Map<string, any>();
  private closed = false;
  /** Counters for tests and benches. */
  readonly stats = { requests: 0, sessionsOpened: 0, relogins: 0, peakInFlight: 0 };

  constructor(options: RedfishClientOptions = {}) {
    this.slots = new Semaphore(options.maxConcurrency ?? 64);
    this.timeoutMs = options.requestTimeoutMs ?? 15_000;
  }

  /**
   * One authenticated request, in the BMC's queue and a global slot. 2xx resolves;
   * statuses in `accept` resolve too (the caller handles them); anything else throws.
   */
  async request(
    t: RedfishTarget,
    method: string,
    path: string,
    body?: unknown,
    opts: { headers?: Record<string, string>; accept?: number[] } = {},
  ): Promise<RedfishResponse> {
    if (this.closed) throw new RedfishError('RedfishClient is closed');
    const r = await this.perBmc.run(originOf(t), () =>
      this.slots.run(() => {
        this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.slots.inUse);
        return this.authed(t, method, path, body, opts.headers ?? {});
      }),
    );
    if (r.status < 300 || opts.accept?.includes(r.status)) return r;
    throw new RedfishHttpError(method, path, r.status, redfishErrorDetail(r.body));
  }

  /** GET with the resource's ETag (header, else @odata.etag). */
  async get(t: RedfishTarget, path: string): Promise<{ body: any; etag?: string }> {
    const r = await this.request(t, 'GET', path);
    const etag =
      (r.headers.etag as string | undefined) ?? (typeof r.body?.['@odata.etag'] === 'string' ? r.body['@odata.etag'] : undefined);
    return { body: r.body ?? {}, etag };
  }

  /** The service root (unauthenticated, as the spec allows), cached per BMC. */
  async serviceRoot(t: RedfishTarget): Promise<any> {
    const origin = originOf(t);
    const have = this.roots.get(origin);
    if (have) return have;
    const r = await this.perBmc.run(origin, () => this.slots.run(() => this.raw(t, 'GET', '/redfish/v1/', undefined, {})));
    if (r.status === 401) return {}; // some BMCs want auth even here: fall back to the standard paths
    if (r.status >= 300) throw new RedfishHttpError('GET', '/redfish/v1/', r.status, redfishErrorDetail(r.body));
    this.roots.set(origin, r.body ?? {});
    return r.body ?? {};
  }

  /** Logs every session out (best effort) and drops the connections. */
  async close(): Promise<void> {
    this.closed = true;
    const sessions = [...this.auths.values()].filter((a): a is Extract<Auth, { kind: 'session' }> => a.kind === 'session' && !!a.location);
    this.auths.clear();
    await Promise.all(
      sessions.map((s) => this.raw(s.target, 'DELETE', s.location!, undefined, { 'X-Auth-Token': s.token }, 2000).catch(() => undefined)),
    );
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private authKey(t: RedfishTarget): string {
    const pw = crypto.createHash('sha256').update(t.password).digest('hex');
    return `${originOf(t)}\0${t.username}\0${pw}\0${t.authType}\0${String(t.verifyCa)}`;
  }

  private async authed(
    t: RedfishTarget,
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<RedfishResponse> {
    const key = this.authKey(t);
    let auth = this.auths.get(key) ?? (await this.login(t, key));
    let r = await this.raw(t, method, path, body, { ...headers, ...this.authHeaders(t, auth) });
    if (r.status === 401) {
      this.auths.delete(key);
      if (auth.kind === 'session') {
        // The BMC dropped our session (timeout, reboot, too many sessions): log in again, once.
        this.stats.relogins++;
        auth = await this.login(t, key);
        r = await this.raw(t, method, path, body, { ...headers, ...this.authHeaders(t, auth) });
      }
      if (r.status === 401)
        throw new RedfishAuthError(`Redfish ${method} ${path}: the BMC refused the credentials of user "${t.username}" (HTTP 401).`);
    }
    return r;
  }

  private authHeaders(t: RedfishTarget, a: Auth): Record<string, string> {
    if (a.kind === 'session') return { 'X-Auth-Token': a.token };
    return { Authorization: `Basic ${Buffer.from(`${t.username}:${t.password}`).toString('base64')}` };
  }

  private async login(t: RedfishTarget, key: string): Promise<Auth> {
    let auth: Auth = { kind: 'basic' };
    if (t.authType !== 'basic') {
      const root = await this.rootUnlocked(t);
      const sessions: string | undefined =
        root.Links?.Sessions?.['@odata.id'] ??
        (root.SessionService || !root['@odata.id'] ? '/redfish/v1/SessionService/Sessions' : undefined);
      if (!sessions) {
        if (t.authType === 'session')
          throw new RedfishUnsupportedError(`The Redfish service at ${originOf(t)} has no session service (redfish_auth_type=session).`);
      } else {
        const r = await this.raw(t, 'POST', sessions, { UserName: t.username, Password: t.password }, {});
        const token = r.headers['x-auth-token'];
        if (r.status < 300 && typeof token === 'string') {
          const loc = (r.headers.location as string | undefined) ?? r.body?.['@odata.id'];
          auth = { kind: 'session', token, location: loc ? new URL(loc, t.baseUrl).pathname : undefined, target: t };
          this.stats.sessionsOpened++;
        } else if (r.status === 401 || r.status === 403) {
          throw new RedfishAuthError(`Redfish login to ${originOf(t)} as "${t.username}" was refused (HTTP ${r.status}).`);
        } else if (t.authType === 'session') {
          throw new RedfishHttpError('POST', sessions, r.status, redfishErrorDetail(r.body) || 'no X-Auth-Token in the answer');
        }
        // auto: the BMC would not make a session for another reason: Basic it is.
      }
    }
    this.auths.set(key, auth);
    return auth;
  }

  /** serviceRoot without taking the BMC's queue (the caller holds it). */
  private async rootUnlocked(t: RedfishTarget): Promise<any> {
    const origin = originOf(t);
    const have = this.roots.get(origin);
    if (have) return have;
    const r = await this.raw(t, 'GET', '/redfish/v1/', undefined, {});
    const root = r.status < 300 ? (r.body ?? {}) : {};
    if (r.status < 300) this.roots.set(origin, root);
    return root;
  }

  private agentFor(t: RedfishTarget): http.Agent {
    const url = new URL(t.baseUrl);
    const key = `${url.origin}\0${String(t.verifyCa)}`;
    let a = this.agents.get(key);
    if (!a) {
      if (url.protocol === 'http:') a = new http.Agent({ keepAlive: true, maxSockets: 1 });
      else {
        let ca: string | undefined;
        if (typeof t.verifyCa === 'string') {
          try {
            ca = fs.readFileSync(t.verifyCa, 'utf8');
          } catch (e) {
            throw new RedfishConnectionError(
              `Cannot read the CA file named by redfish_verify_ca (${t.verifyCa}): ${(e as Error).message}`,
              false,
            );
          }
        }
        a = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: t.verifyCa !== false, ...(ca ? { ca } : {}) });
      }
      this.agents.set(key, a);
    }
    return a;
  }

  private raw(
    t: RedfishTarget,
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    timeoutMs = this.timeoutMs,
  ): Promise<RedfishResponse> {
    const url = new URL(path, t.baseUrl);
    const agent = this.agentFor(t);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    this.stats.requests++;
    return new Promise((resolve, reject) => {
      const req = (url.protocol === 'http:' ? http : https).request(url, {
        method,
        agent,
        headers: {
          Accept: 'application/json',
          'OData-Version': '4.0',
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
          ...headers,
        },
      });
      const timer = setTimeout(
        () => req.destroy(new RedfishTimeoutError(`Redfish ${method} ${url.pathname} at ${url.origin}: no answer within ${timeoutMs} ms.`)),
        timeoutMs,
      );
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(this.connectionError(url, e));
        });
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      });
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(this.connectionError(url, e));
      });
      req.end(payload);
    });
  }

  private connectionError(url: URL, e: Error & { code?: string }): Error {
    if (e instanceof RedfishError) return e;
    if (e.code && TLS_VERIFY_CODES.has(e.code))
      return new RedfishConnectionError(
        `The TLS certificate of the Redfish service at ${url.origin} does not verify (${e.code}): set redfish_verify_ca to the CA file that signed it (or false to skip verification).`,
        false,
      );
    return new RedfishConnectionError(`Redfish ${url.pathname} at ${url.origin}: ${e.code ?? e.message}`, true);
  }
}
