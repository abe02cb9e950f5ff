// One RMCP+ session with one BMC: establishment (capabilities, Open Session,
// RAKP 1-4, privilege), signed and encrypted requests, and Close Session.
// Callers serialise use of a session (one request in flight); see client.ts.
import { randomBytes } from 'node:crypto';
import { AUTH_STATUSES, CIPHER_STATUSES, RAKP_STATUS, rakpStatusName } from './codes';
import type { CipherSuite } from './cipher-suites';
import * as cmds from './commands';
import {
  decryptPayload,
  deriveSessionKeys,
  encryptPayload,
  integrityCode,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
  safeEqual,
  type RakpContext,
  type SessionKeys,
} from './crypto';
import { exchange, type RetryPolicy } from './exchange';
import {
  IpmiAuthError,
  IpmiCompletionCodeError,
  IpmiError,
  IpmiProtocolError,
  IpmiSessionError,
  IpmiTimeoutError,
  IpmiUnsupportedCipherError,
} from './errors';
import { decodeIpmi15, decodeRmcpPlus, encodeIpmi15, encodeRmcpPlus, PayloadType } from './framing';
import { decodeResponse, encodeRequest, type IpmiResponse } from './ipmi-message';
import { decodeOpenSessionResponse, decodeRakp2, decodeRakp4, encodeOpenSessionRequest, encodeRakp1, encodeRakp3 } from './rakp';
import type { Link } from './transport';
import { nowMs } from './clock';

export interface SessionConfig {
  username: string;
  password: string;
  /** Optional BMC key (KG); the password is used when absent, as most BMCs expect. */
  kg?: string;
  suite: CipherSuite;
  /** 2 user, 3 operator, 4 administrator. */
  privilege: number;
  policy: RetryPolicy;
  maxAttempts: number;
  /** Open Session + RAKP are restarted from scratch at most this many times on timeouts. */
  maxHandshakes: number;
}

const NAME_ONLY_LOOKUP = 0x10;

function randomSessionId(): number {
  for (;;) {
    const v = randomBytes(4).readUInt32LE(0);
    if (v !== 0) return v;
  }
}

function statusError(status: number, step: string): IpmiError {
  const text = `${step}: ${rakpStatusName(status)}`;
  if (AUTH_STATUSES.has(status)) return new IpmiAuthError(`authentication failed (${text})`, status);
  if (CIPHER_STATUSES.has(status)) return new IpmiUnsupportedCipherError(`cipher suite refused (${text})`, status);
  return new IpmiSessionError(status);
}

export class RmcpSession {
  private open = false;
  private capabilitiesChecked = false;
  private consoleSessionId = 0;
  private bmcSessionId = 0;
  private keys: SessionKeys | undefined;
  private outSeq = 0;
  /** Highest session sequence number seen from the BMC (replay window). */
  private inSeq = 0;
  private rqSeq = 0;
  private tag = 0;
  /** Time of the last answered request (ms); keep-alive uses it. */
  lastActivity = 0;
  openedAt = 0;

  private readonly username: Buffer;
  private readonly password: Buffer;
  private readonly kg: Buffer;

  constructor(
    private readonly link: Link,
    readonly config: SessionConfig,
  ) {
    this.username = Buffer.from(config.username, 'utf8');
    this.password = Buffer.from(config.password, 'utf8');
    if (this.username.length > 16) throw new IpmiAuthError('IPMI user names are at most 16 bytes');
    if (this.password.length > 20) throw new IpmiAuthError('IPMI v2.0 passwords are at most 20 bytes');
    this.kg = config.kg ? Buffer.from(config.kg, 'utf8') : this.password;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Forget the session (e.g. the BMC expired it); the next open() starts a new one. */
  invalidate(): void {
    this.open = false;
    this.keys = undefined;
  }

  async establish(deadline: number): Promise<void> {
    if (!this.capabilitiesChecked) await this.checkCapabilities(deadline);
    for (let handshake = 1; ; handshake++) {
      try {
        await this.handshake(deadline);
        break;
      } catch (e) {
        const more = handshake < this.config.maxHandshakes && nowMs() < deadline;
        if (e instanceof IpmiTimeoutError && more) continue;
        throw e;
      }
    }
    this.open = true;
    this.openedAt = nowMs();
    const priv = await this.request(cmds.setSessionPrivilegeLevel(this.config.privilege), deadline).catch((e: unknown) => {
      this.invalidate();
      if (e instanceof IpmiCompletionCodeError) {
        throw new IpmiAuthError(`user may not act at privilege ${this.config.privilege} (${e.message})`);
      }
      throw e;
    });
    if (priv.length < 1 || (priv[0] & 0x0f) !== this.config.privilege) {
      this.invalidate();
      throw new IpmiAuthError(`BMC granted privilege ${priv[0] ?? '?'} instead of ${this.config.privilege}`);
    }
  }

  /** Sends one IPMI command inside the session; non-zero completion codes throw. */
  async request(spec: cmds.CommandSpec, deadline: number, maxAttempts = this.config.maxAttempts): Promise<Buffer> {
    const keys = this.keys;
    if (!this.open || !keys) throw new IpmiProtocolError('session is not open');
    const rqSeq = this.nextRqSeq();
    const message = encodeRequest({ netFn: spec.netFn, cmd: spec.cmd, rqSeq, data: spec.data });
    const suite = this.config.suite;
    const response = await exchange(this.link, {
      what: spec.name,
      maxAttempts,
      deadline,
      policy: this.config.policy,
      // Each (re)transmission gets a new session sequence number but keeps rqSeq,
      // so the BMC can recognise a duplicate request.
      build: () =>
        encodeRmcpPlus(
          {
            payloadType: PayloadType.ipmi,
            encrypted: true,
            authenticated: true,
            sessionId: this.bmcSessionId,
            sequence: this.nextOutSeq(),
            payload: encryptPayload(keys.k2, message),
          },
          (covered) => integrityCode(suite, keys.k1, covered),
        ),
      accept: (msg) => this.acceptResponse(msg, keys, spec, rqSeq),
    });
    this.lastActivity = nowMs();
    if (response.completionCode !== 0) throw new IpmiCompletionCodeError(response.completionCode, spec.name);
    return response.data;
  }

  /** Close Session, best effort: the session is forgotten whatever the BMC answers. */
  async close(deadline: number): Promise<void> {
    if (!this.open) return;
    try {
      await this.request(cmds.closeSession(this.bmcSessionId), deadline, 1);
    } catch {
      /* the BMC will time it out */
    } finally {
      this.invalidate();
    }
  }

  private acceptResponse(msg: Buffer, keys: SessionKeys, spec: cmds.CommandSpec, rqSeq: number): IpmiResponse | undefined {
    const suite = this.config.suite;
    const packet = decodeRmcpPlus(msg, (covered, code) => safeEqual(integrityCode(suite, keys.k1, covered), code), suite.integrityLength);
    if (!packet || packet.payloadType !== PayloadType.ipmi || packet.sessionId !== this.consoleSessionId) return undefined;
    if (!packet.authenticated || !packet.encrypted) return undefined;
    // Replay window: ignore packets far behind the highest sequence number seen.
    if (packet.sequence + 16 < this.inSeq) return undefined;
    let plain: Buffer;
    try {
      plain = decryptPayload(keys.k2, packet.payload);
    } catch {
      return undefined;
    }
    const r = decodeResponse(plain);
    if (!r || r.rqSeq !== rqSeq || r.cmd !== spec.cmd || r.netFn !== spec.netFn + 1) return undefined;
    this.inSeq = Math.max(this.inSeq, packet.sequence);
    return r;
  }

  private async checkCapabilities(deadline: number): Promise<void> {
    const spec = cmds.getChannelAuthCapabilities(this.config.privilege);
    const rqSeq = this.nextRqSeq();
    const packet = encodeIpmi15(encodeRequest({ netFn: spec.netFn, cmd: spec.cmd, rqSeq, data: spec.data }));
    const r = await exchange(this.link, {
      what: spec.name,
      maxAttempts: this.config.maxAttempts,
      deadline,
      policy: this.config.policy,
      build: () => packet,
      accept: (msg) => {
        const inner = decodeIpmi15(msg);
        const resp = inner && decodeResponse(inner);
        if (!resp || resp.rqSeq !== rqSeq || resp.cmd !== spec.cmd) return undefined;
        return resp;
      },
    });
    if (r.completionCode !== 0) throw new IpmiCompletionCodeError(r.completionCode, spec.name);
    if (!cmds.parseChannelAuthCapabilities(r.data).ipmi20) {
      throw new IpmiUnsupportedCipherError('BMC does not offer IPMI v2.0 / RMCP+ sessions');
    }
    this.capabilitiesChecked = true;
  }

  private async handshake(deadline: number): Promise<void> {
    const suite = this.config.suite;
    const policy = this.config.policy;
    this.invalidate();
    const consoleSessionId = randomSessionId();
    const tag = this.nextTag();

    // Open Session: safe to retransmit (each copy just creates a session; the BMC expires the spares).
    const openRequest = encodeRmcpPlus({
      payloadType: PayloadType.openSessionRequest,
      encrypted: false,
      authenticated: false,
      sessionId: 0,
      sequence: 0,
      payload: encodeOpenSessionRequest({ tag, privilege: this.config.privilege, consoleSessionId, suite }),
    });
    const opened = await exchange(this.link, {
      what: 'RMCP+ Open Session',
      maxAttempts: this.config.maxAttempts,
      deadline,
      policy,
      build: () => openRequest,
      accept: (msg) => {
        const p = decodeRmcpPlus(msg);
        if (!p || p.payloadType !== PayloadType.openSessionResponse) return undefined;
        const r = decodeOpenSessionResponse(p.payload);
        if (r.tag !== tag) return undefined;
        if (r.status !== 0) throw statusError(r.status, 'Open Session');
        if (r.consoleSessionId !== consoleSessionId) return undefined;
        return r;
      },
    });
    if (
      opened.authAlgorithm !== suite.authAlgorithm ||
      opened.integrityAlgorithm !== suite.integrityAlgorithm ||
      opened.confidentialityAlgorithm !== suite.confidentialityAlgorithm
    ) {
      throw new IpmiUnsupportedCipherError(`BMC answered with other algorithms than cipher suite ${suite.id}`);
    }

    // RAKP 1/2. A BMC that already answered ignores a retransmitted RAKP 1, so
    // few attempts here; on timeout the whole handshake starts again.
    const ctx: RakpContext = {
      consoleSessionId,
      bmcSessionId: opened.bmcSessionId,
      consoleRandom: randomBytes(16),
      bmcRandom: Buffer.alloc(16),
      bmcGuid: Buffer.alloc(16),
      role: NAME_ONLY_LOOKUP | this.config.privilege,
      username: this.username,
    };
    const rakp1 = encodeRmcpPlus({
      payloadType: PayloadType.rakp1,
      encrypted: false,
      authenticated: false,
      sessionId: 0,
      sequence: 0,
      payload: encodeRakp1({
        tag,
        bmcSessionId: ctx.bmcSessionId,
        consoleRandom: ctx.consoleRandom,
        role: ctx.role,
        username: ctx.username,
      }),
    });
    const rakp2 = await exchange(this.link, {
      what: 'RAKP 1',
      maxAttempts: 2,
      deadline,
      policy,
      build: () => rakp1,
      accept: (msg) => {
        const p = decodeRmcpPlus(msg);
        if (!p || p.payloadType !== PayloadType.rakp2) return undefined;
        const r = decodeRakp2(p.payload);
        if (r.tag !== tag) return undefined;
        if (r.status !== 0) throw statusError(r.status, 'RAKP 2');
        return r.consoleSessionId === consoleSessionId ? r : undefined;
      },
    });
    ctx.bmcRandom = rakp2.bmcRandom;
    ctx.bmcGuid = rakp2.bmcGuid;
    if (!safeEqual(rakp2AuthCode(suite, this.password, ctx), rakp2.authCode)) {
      // Tell the BMC (RAKP 3 with an error status) so it frees the half-open session.
      this.link.send(
        encodeRmcpPlus({
          payloadType: PayloadType.rakp3,
          encrypted: false,
          authenticated: false,
          sessionId: 0,
          sequence: 0,
          payload: encodeRakp3({
            tag,
            status: RAKP_STATUS.invalidIntegrityCheckValue,
            bmcSessionId: ctx.bmcSessionId,
            authCode: Buffer.alloc(0),
          }),
        }),
      );
      throw new IpmiAuthError('authentication failed: RAKP 2 auth code does not verify (wrong password?)');
    }
    const keys = deriveSessionKeys(suite, this.kg, ctx);

    // RAKP 3/4.
    const rakp3 = encodeRmcpPlus({
      payloadType: PayloadType.rakp3,
      encrypted: false,
      authenticated: false,
      sessionId: 0,
      sequence: 0,
      payload: encodeRakp3({ tag, status: 0, bmcSessionId: ctx.bmcSessionId, authCode: rakp3AuthCode(suite, this.password, ctx) }),
    });
    const rakp4 = await exchange(this.link, {
      what: 'RAKP 3',
      maxAttempts: 2,
      deadline,
      policy,
      build: () => rakp3,
      accept: (msg) => {
        const p = decodeRmcpPlus(msg);
        if (!p || p.payloadType !== PayloadType.rakp4) return undefined;
        const r = decodeRakp4(p.payload);
        if (r.tag !== tag) return undefined;
        if (r.status !== 0) throw statusError(r.status, 'RAKP 4');
        return r.consoleSessionId === consoleSessionId ? r : undefined;
      },
    });
    if (!safeEqual(rakp4Icv(suite, keys.sik, ctx), rakp4.icv.subarray(0, suite.integrityLength))) {
      throw new IpmiAuthError('authentication failed: RAKP 4 integrity check value does not verify (wrong BMC key?)');
    }

    this.consoleSessionId = consoleSessionId;
    this.bmcSessionId = ctx.bmcSessionId;
    this.keys = keys;
    this.outSeq = 0;
    this.inSeq = 0;
  }

  private nextOutSeq(): number {
    this.outSeq = (this.outSeq + 1) >>> 0;
    if (this.outSeq === 0) this.outSeq = 1;
    return this.outSeq;
  }

  private nextRqSeq(): number {
    this.rqSeq = (this.rqSeq + 1) & 0x3f;
    return this.rqSeq;
  }

  private nextTag(): number {
    this.tag = (this.tag + 1) & 0xff;
    return this.tag;
  }
}
