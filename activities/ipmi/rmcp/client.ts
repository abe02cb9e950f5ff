// IpmiClient: the public face of the RMCP+ library. It caches one session per
// (BMC, user, password, cipher suite), serialises requests per BMC
// address:port, bounds requests in flight globally, keeps sessions alive,
// re-opens sessions the BMC expired, and bounds every call by a deadline.
import { createHash } from 'node:crypto';
import dns from 'node:dns/promises';
import net from 'node:net';
import { CIPHER_SUITES, type CipherSuiteId } from './cipher-suites';
import * as cmds from './commands';
import { IpmiError, IpmiTimeoutError, IpmiUnsupportedCipherError } from './errors';
import type { RetryPolicy } from './exchange';
import { KeyedMutex, Semaphore } from './limits';
import { ping, type PingResult } from './ping';
import { RmcpSession } from './session';
import { endpointKey, UdpTransport } from './transport';
import { nowMs } from './clock';

export interface IpmiTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  /** Omit to use 17 when the BMC offers it and 3 otherwise. */
  cipherSuite?: CipherSuiteId;
  /** Optional BMC key (KG). */
  kg?: string;
}

export interface IpmiClientOptions {
  /** Requests in flight across all BMCs (default 64). */
  maxConcurrency?: number;
  /** First per-attempt wait for an answer (ms, default 1000). */
  attemptTimeoutMs?: number;
  /** Backoff factor between attempts (default 1.5). */
  backoffFactor?: number;
  /** Longest per-attempt wait (ms, default 4000). */
  maxAttemptTimeoutMs?: number;
  /** Transmissions per request before giving up (default 4). */
  maxAttempts?: number;
  /** On an established session, unanswered attempts before assuming the BMC dropped it and re-opening (default 2). */
  reopenAfterAttempts?: number;
  /** Upper bound for one call, session (re)establishment included (ms, default 15000). */
  callTimeoutMs?: number;
  /** Send a keep-alive (Get Device ID) on sessions idle this long (ms, default 15000; 0 = never). */
  keepAliveMs?: number;
  /** Close sessions not used by a caller for this long (ms, default 300000). */
  idleCloseMs?: number;
  /** Session privilege: 2 user, 3 operator, 4 administrator (default 4). */
  privilege?: 2 | 3 | 4;
}

interface Entry {
  session: RmcpSession;
  endpoint: string;
  lastUse: number;
}

type Resolved = Required<IpmiClientOptions>;

const DEFAULTS: Resolved = {
  maxConcurrency: 64,
  attemptTimeoutMs: 1000,
  backoffFactor: 1.5,
  maxAttemptTimeoutMs: 4000,
  maxAttempts: 4,
  reopenAfterAttempts: 2,
  callTimeoutMs: 15000,
  keepAliveMs: 15000,
  idleCloseMs: 300000,
  privilege: 4,
};

export class IpmiClient {
  private readonly o: Resolved;
  private readonly transport = new UdpTransport();
  private readonly perBmc = new KeyedMutex();
  private readonly slots: Semaphore;
  private readonly sessions = new Map<string, Entry>();
  /** Cipher suite found to work for an endpoint when the target leaves it open. */
  private readonly negotiated = new Map<string, CipherSuiteId>();
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Counters for tests and metrics. */
  readonly stats = { sessionsOpened: 0, sessionReopens: 0, keepAlives: 0, peakInFlight: 0 };

  constructor(options: IpmiClientOptions = {}) {
    this.o = { ...DEFAULTS, ...stripUndefined(options) };
    this.slots = new Semaphore(this.o.maxConcurrency);
    if (this.o.keepAliveMs > 0) {
      this.timer = setInterval(() => void this.housekeeping(), Math.max(250, Math.floor(this.o.keepAliveMs / 3)));
      this.timer.unref();
    }
  }

  get policy(): RetryPolicy {
    return {
      attemptTimeoutMs: this.o.attemptTimeoutMs,
      backoffFactor: this.o.backoffFactor,
      maxAttemptTimeoutMs: this.o.maxAttemptTimeoutMs,
    };
  }

  // ---- commands ------------------------------------------------------------------

  getDeviceId(t: IpmiTarget): Promise<cmds.DeviceId> {
    return this.call(t, cmds.getDeviceId()).then(cmds.parseDeviceId);
  }

  getChassisStatus(t: IpmiTarget): Promise<cmds.ChassisStatus> {
    return this.call(t, cmds.getChassisStatus()).then(cmds.parseChassisStatus);
  }

  async chassisControl(t: IpmiTarget, action: cmds.ChassisAction): Promise<void> {
    await this.call(t, cmds.chassisControl(action));
  }

  async setBootDevice(t: IpmiTarget, device: cmds.BootDeviceName, opts: { persistent: boolean; uefi?: boolean }): Promise<void> {
    await this.call(t, cmds.setBootFlags(device, opts.persistent, opts.uefi ?? false));
  }

  getBootDevice(t: IpmiTarget): Promise<cmds.BootFlags> {
    return this.call(t, cmds.getBootFlags()).then(cmds.parseBootFlagsResponse);
  }

  /**
   * Any command inside a session; resolves the response data after the completion code.
   * The call's bound (callTimeoutMs) starts when it gets its turn at the BMC and a
   * global slot, so time spent queued behind other calls does not eat into it.
   */
  async call(t: IpmiTarget, spec: cmds.CommandSpec): Promise<Buffer> {
    if (this.closed) throw new IpmiError('IpmiClient is closed');
    const address = await resolveAddress(t.address);
    const endpoint = endpointKey(address, t.port);
    return this.perBmc.run(endpoint, () =>
      this.slots.run(async () => {
        this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.slots.inUse);
        const started = nowMs();
        try {
          return await this.callLocked(t, address, endpoint, spec, started + this.o.callTimeoutMs);
        } catch (e) {
          if (e instanceof IpmiTimeoutError) {
            throw new IpmiTimeoutError(`BMC ${endpoint}: ${e.message}`, e.attempts, nowMs() - started);
          }
          throw e;
        }
      }),
    );
  }

  /** RMCP/ASF presence ping (no session). */
  ping(address: string, port: number, timeoutMs = this.o.attemptTimeoutMs): Promise<PingResult> {
    return resolveAddress(address).then((ip) =>
      this.perBmc.run(endpointKey(ip, port), () => ping(this.transport.link(ip, port), timeoutMs)),
    );
  }

  /** Closes the cached session to this target, if any. */
  async closeSession(t: IpmiTarget): Promise<void> {
    const address = await resolveAddress(t.address);
    const endpoint = endpointKey(address, t.port);
    await this.perBmc.run(endpoint, async () => {
      for (const [key, entry] of this.sessions) {
        if (entry.endpoint !== endpoint) continue;
        this.sessions.delete(key);
        await entry.session.close(nowMs() + this.o.attemptTimeoutMs);
      }
    });
  }

  /** Closes every session (best effort) and the socket; nothing keeps the process alive afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    const entries = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(
      entries.map((e) => this.perBmc.run(e.endpoint, () => this.slots.run(() => e.session.close(nowMs() + this.o.attemptTimeoutMs)))),
    );
    await this.transport.close();
  }

  /** Number of cached sessions (for tests and metrics). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  // ---- internals -------------------------------------------------------------------

  private async callLocked(t: IpmiTarget, address: string, endpoint: string, spec: cmds.CommandSpec, deadline: number) {
    const started = nowMs();
    for (;;) {
      let entry: Entry | undefined;
      try {
        entry = await this.openEntry(t, address, endpoint, deadline);
        entry.lastUse = nowMs();
        // A session opened during this call gets all attempts; an older one may
        // have been dropped by the BMC, so give up on it sooner.
        const fresh = entry.session.openedAt >= started;
        return await entry.session.request(spec, deadline, fresh ? this.o.maxAttempts : this.o.reopenAfterAttempts);
      } catch (e) {
        if (!(e instanceof IpmiTimeoutError) || nowMs() >= deadline) throw e;
        // Lossy path, or the BMC expired/forgot the session (idle timeout, BMC
        // reboot) and now drops our packets: open a new session and send again,
        // for as long as the call's deadline allows.
        if (entry?.session.isOpen) {
          entry.session.invalidate();
          this.stats.sessionReopens++;
        }
      }
    }
  }

  private async openEntry(t: IpmiTarget, address: string, endpoint: string, deadline: number): Promise<Entry> {
    const auto = t.cipherSuite === undefined;
    const suiteId = t.cipherSuite ?? this.negotiated.get(endpoint) ?? 17;
    const entry = this.entryFor(t, address, endpoint, suiteId);
    if (entry.session.isOpen) return entry;
    try {
      await entry.session.establish(deadline);
      this.stats.sessionsOpened++;
      if (auto) this.negotiated.set(endpoint, suiteId);
      return entry;
    } catch (e) {
      if (auto && suiteId === 17 && e instanceof IpmiUnsupportedCipherError) {
        this.sessions.delete(sessionKey(t, endpoint, 17));
        this.negotiated.set(endpoint, 3);
        const fallback = this.entryFor(t, address, endpoint, 3);
        await fallback.session.establish(deadline);
        this.stats.sessionsOpened++;
        return fallback;
      }
      throw e;
    }
  }

  private entryFor(t: IpmiTarget, address: string, endpoint: string, suiteId: CipherSuiteId): Entry {
    const key = sessionKey(t, endpoint, suiteId);
    let entry = this.sessions.get(key);
    if (!entry) {
      const session = new RmcpSession(this.transport.link(address, t.port), {
        username: t.username,
        password: t.password,
        kg: t.kg,
        suite: CIPHER_SUITES[suiteId],
        privilege: this.o.privilege,
        policy: this.policy,
        maxAttempts: this.o.maxAttempts,
        maxHandshakes: 8,
      });
      entry = { session, endpoint, lastUse: nowMs() };
      this.sessions.set(key, entry);
    }
    return entry;
  }

  /** Keep-alive for idle sessions, and closing of long-unused ones. */
  private async housekeeping(): Promise<void> {
    const now = nowMs();
    for (const [key, entry] of this.sessions) {
      if (this.closed || this.perBmc.isLocked(entry.endpoint)) continue;
      const s = entry.session;
      if (!s.isOpen) continue;
      if (now - entry.lastUse > this.o.idleCloseMs) {
        this.sessions.delete(key);
        void this.perBmc.run(entry.endpoint, () => this.slots.run(() => s.close(nowMs() + this.o.attemptTimeoutMs)));
      } else if (now - s.lastActivity >= this.o.keepAliveMs) {
        void this.perBmc.run(entry.endpoint, () =>
          this.slots.run(() =>
            s.request(cmds.getDeviceId(), nowMs() + this.o.callTimeoutMs).then(
              () => void this.stats.keepAlives++,
              () => s.invalidate(),
            ),
          ),
        );
      }
    }
  }
}

function sessionKey(t: IpmiTarget, endpoint: string, suite: CipherSuiteId): string {
  const secret = createHash('sha256')
    .update(`${t.password}\0${t.kg ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return `${endpoint}|${t.username}|${secret}|${suite}`;
}

async function resolveAddress(address: string): Promise<string> {
  if (net.isIP(address)) return address;
  const r = await dns.lookup(address);
  return r.address;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
