// A Redfish BMC emulator for the lab: one HTTPS service (certificate from the lab's
// own CA, tls.ts) serving one or more systems, each with its Manager, the resource
// tree a real BMC has:
//
//   /redfish/v1                         ServiceRoot (no auth, as the spec says)
//   /redfish/v1/SessionService[/Sessions[/{n}]]   POST to log in (X-Auth-Token), DELETE to log out
//   /redfish/v1/Systems/{id}            PowerState, Boot (override target/enabled/mode + AllowableValues),
//                                       Actions #ComputerSystem.Reset (ResetType@Redfish.AllowableValues)
//   /redfish/v1/Systems/{id}/Settings   only with settingsObject: where Boot must be PATCHed (@Redfish.Settings)
//   /redfish/v1/Managers/{id}[/VirtualMedia/{Cd,Usb}]  InsertMedia/EjectMedia actions and PATCH
//                                       (under the System instead with virtualMediaUnder: 'Systems')
//
// Auth: X-Auth-Token or Basic. ETags on every resource (W/"<hash of its body>"), a
// PATCH with a stale If-Match gets 412. A reset answers 204 at once and lands on the
// backend after powerDelayMs, as real BMCs do. Faults for tests: failNext (a status
// or a hang for the next matching requests), expireSessions (the next token gets 401),
// lateOn (the next power-on lands late). The machine behind is a RedfishBackend.
import crypto from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { BootTarget, RedfishBackend, ResetType } from './backend';
import { labTls } from './tls';

export interface RedfishSystemSpec {
  id: string;
  backend: RedfishBackend;
  /** The ResetTypes the system allows (default: all but Nmi and PowerCycle's absence matters to the client). */
  resetTypes?: ResetType[];
}

export interface RedfishBmcOptions {
  /** The lab dir: the CA (ca.pem) and the server certificate are written here. */
  dir: string;
  systems: RedfishSystemSpec[];
  username?: string;
  password?: string;
  host?: string;
  port?: number;
  /** How long a reset takes to land on the machine (ms, default 300). */
  powerDelayMs?: number;
  /** Where the VirtualMedia collection hangs (default Managers). */
  virtualMediaUnder?: 'Managers' | 'Systems';
  /** VirtualMedia without InsertMedia/EjectMedia actions: PATCH only (older BMCs). */
  virtualMediaPatchOnly?: boolean;
  /** Boot is changed through the System's @Redfish.Settings object only. */
  settingsObject?: boolean;
  /** No SessionService: Basic auth only. */
  noSessions?: boolean;
  /** Extra IP addresses for the certificate (a VM lab's host address). */
  certAddresses?: string[];
}

export interface FaultSpec {
  /** Answer with this HTTP status (and a Redfish error body)... */
  status?: number;
  /** ...or never answer. */
  hang?: boolean;
  /** How many matching requests (default 1). */
  times?: number;
  method?: string;
  path?: RegExp;
}

export interface RequestRecord {
  method: string;
  path: string;
  auth: 'session' | 'basic' | 'none';
  ifMatch?: string;
  body?: unknown;
}

export interface RedfishBmc {
  url: string;
  caFile: string;
  username: string;
  password: string;
  /** The System's path, what driver_info.redfish_system_id names. */
  systemPath(id: string): string;
  failNext(f: FaultSpec): void;
  /** Forgets every session: the next request with a token gets 401. */
  expireSessions(): void;
  /** The next power-on lands after this many ms instead of powerDelayMs. */
  lateOn(ms: number): void;
  /** Changes a system's Boot behind the client's back (its ETag changes). */
  touch(id: string): void;
  readonly requests: RequestRecord[];
  readonly stats: { sessionsCreated: number; sessionsDeleted: number; inFlight: number; maxInFlight: number };
  stop(): Promise<void>;
}

const RESET_TYPES: ResetType[] = ['On', 'ForceOff', 'GracefulShutdown', 'GracefulRestart', 'ForceRestart', 'PowerCycle', 'Nmi'];
const BOOT_TARGETS: Array<BootTarget | 'BiosSetup'> = ['None', 'Pxe', 'Hdd', 'Cd', 'Usb', 'BiosSetup'];
const ROOT = '/redfish/v1';

interface SystemState {
  spec: RedfishSystemSpec;
  boot: { target: BootTarget | 'BiosSetup'; enabled: 'Disabled' | 'Once' | 'Continuous'; mode: 'Legacy' | 'UEFI' };
  media: Record<'Cd' | 'Usb', { image: string | null; inserted: boolean; writeProtected: boolean }>;
  /** Bumped by touch(): part of the System's body, so its ETag changes. */
  generation: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function etagOf(body: unknown): string {
  return `W/"${crypto.createHash('sha1').update(JSON.stringify(body)).digest('hex').slice(0, 16)}"`;
}

function redfishError(status: number, message: string) {
  const code = status === 401 ? 'Base.1.8.NoValidSession' : status === 412 ? 'Base.1.8.PreconditionFailed' : 'Base.1.8.GeneralError';
  return { error: { code, message, '@Message.ExtendedInfo': [{ MessageId: code, Message: message, Severity: 'Warning' }] } };
}

export async function startRedfishBmc(o: RedfishBmcOptions): Promise<RedfishBmc> {
  const tls = await labTls(o.dir, o.certAddresses);
  const username = o.username ?? 'admin';
  const password = o.password ?? 'password';
  const powerDelayMs = o.powerDelayMs ?? 300;
  const vmUnder = o.virtualMediaUnder ?? 'Managers';
  const systems = new Map<string, SystemState>();
  for (const spec of o.systems) {
    systems.set(spec.id, {
      spec,
      boot: { target: 'None', enabled: 'Disabled', mode: 'UEFI' },
      media: { Cd: { image: null, inserted: false, writeProtected: true }, Usb: { image: null, inserted: false, writeProtected: true } },
      generation: 0,
    });
  }
  const sessions = new Map<string, { id: string; token: string; user: string }>();
  let nextSession = 1;
  const faults: Array<FaultSpec & { left: number }> = [];
  let lateOnMs: number | undefined;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const requests: RequestRecord[] = [];
  const stats = { sessionsCreated: 0, sessionsDeleted: 0, inFlight: 0, maxInFlight: 0 };

  const sysPath = (id: string) => `${ROOT}/Systems/${id}`;
  const mgrPath = (id: string) => `${ROOT}/Managers/${id}`;
  const vmBase = (id: string) => (vmUnder === 'Managers' ? mgrPath(id) : sysPath(id)) + '/VirtualMedia';

  async function systemBody(s: SystemState) {
    const id = s.spec.id;
    const allowed = s.spec.resetTypes ?? RESET_TYPES;
    return {
      '@odata.type': '#ComputerSystem.v1_10_0.ComputerSystem',
      '@odata.id': sysPath(id),
      Id: id,
      Name: `Lab system ${id}`,
      SystemType: 'Physical',
      Manufacturer: 'Ironflow lab',
      Model: 'Redfish emulator',
      UUID: crypto
        .createHash('md5')
        .update(id)
        .digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      PowerState: await s.spec.backend.powerState(),
      Status: { State: 'Enabled', Health: 'OK' },
      Boot: {
        BootSourceOverrideTarget: s.boot.target,
        'BootSourceOverrideTarget@Redfish.AllowableValues': BOOT_TARGETS,
        BootSourceOverrideEnabled: s.boot.enabled,
        'BootSourceOverrideEnabled@Redfish.AllowableValues': ['Disabled', 'Once', 'Continuous'],
        BootSourceOverrideMode: s.boot.mode,
        'BootSourceOverrideMode@Redfish.AllowableValues': ['Legacy', 'UEFI'],
      },
      ...(o.settingsObject
        ? {
            '@Redfish.Settings': { '@odata.type': '#Settings.v1_3_0.Settings', SettingsObject: { '@odata.id': `${sysPath(id)}/Settings` } },
          }
        : {}),
      ...(vmUnder === 'Systems' ? { VirtualMedia: { '@odata.id': vmBase(id) } } : {}),
      Actions: {
        '#ComputerSystem.Reset': { target: `${sysPath(id)}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': allowed },
      },
      Links: { ManagedBy: [{ '@odata.id': mgrPath(id) }] },
      Oem: { Generation: s.generation },
    };
  }

  function managerBody(s: SystemState) {
    const id = s.spec.id;
    return {
      '@odata.type': '#Manager.v1_5_0.Manager',
      '@odata.id': mgrPath(id),
      Id: id,
      Name: `Lab BMC ${id}`,
      ManagerType: 'BMC',
      Status: { State: 'Enabled', Health: 'OK' },
      ...(vmUnder === 'Managers' ? { VirtualMedia: { '@odata.id': vmBase(id) } } : {}),
      Links: { ManagerForServers: [{ '@odata.id': sysPath(id) }] },
    };
  }

  function mediaBody(s: SystemState, slot: 'Cd' | 'Usb') {
    const m = s.media[slot];
    const base = `${vmBase(s.spec.id)}/${slot}`;
    return {
      '@odata.type': '#VirtualMedia.v1_3_0.VirtualMedia',
      '@odata.id': base,
      Id: slot,
      Name: slot === 'Cd' ? 'Virtual CD' : 'Virtual USB',
      MediaTypes: slot === 'Cd' ? ['CD', 'DVD'] : ['USBStick'],
      Image: m.image,
      ImageName: m.image ? m.image.split('/').pop() : null,
      Inserted: m.inserted,
      WriteProtected: m.writeProtected,
      ConnectedVia: m.inserted ? 'URI' : 'NotConnected',
      ...(o.virtualMediaPatchOnly
        ? {}
        : {
            Actions: {
              '#VirtualMedia.InsertMedia': { target: `${base}/Actions/VirtualMedia.InsertMedia` },
              '#VirtualMedia.EjectMedia': { target: `${base}/Actions/VirtualMedia.EjectMedia` },
            },
          }),
    };
  }

  const collection = (type: string, id: string, name: string, members: string[]) => ({
    '@odata.type': `#${type}`,
    '@odata.id': id,
    Name: name,
    Members: members.map((m) => ({ '@odata.id': m })),
    'Members@odata.count': members.length,
  });

  function serviceRoot() {
    return {
      '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
      '@odata.id': ROOT,
      Id: 'RootService',
      Name: 'Ironflow lab Redfish service',
      RedfishVersion: '1.8.0',
      UUID: crypto
        .createHash('md5')
        .update(tls.caFile)
        .digest('hex')
        .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
      Systems: { '@odata.id': `${ROOT}/Systems` },
      Managers: { '@odata.id': `${ROOT}/Managers` },
      ...(o.noSessions
        ? {}
        : {
            SessionService: { '@odata.id': `${ROOT}/SessionService` },
            Links: { Sessions: { '@odata.id': `${ROOT}/SessionService/Sessions` } },
          }),
    };
  }

  function applyBoot(s: SystemState, b: Record<string, unknown>): void {
    const next = { ...s.boot };
    if (b.BootSourceOverrideTarget !== undefined) {
      if (!BOOT_TARGETS.includes(b.BootSourceOverrideTarget as BootTarget))
        throw new HttpError(400, `BootSourceOverrideTarget ${String(b.BootSourceOverrideTarget)} is not allowed`);
      next.target = b.BootSourceOverrideTarget as BootTarget;
    }
    if (b.BootSourceOverrideEnabled !== undefined) {
      if (!['Disabled', 'Once', 'Continuous'].includes(b.BootSourceOverrideEnabled as string))
        throw new HttpError(400, `BootSourceOverrideEnabled ${String(b.BootSourceOverrideEnabled)} is not allowed`);
      next.enabled = b.BootSourceOverrideEnabled as SystemState['boot']['enabled'];
    }
    if (b.BootSourceOverrideMode !== undefined) {
      if (!['Legacy', 'UEFI'].includes(b.BootSourceOverrideMode as string))
        throw new HttpError(400, `BootSourceOverrideMode ${String(b.BootSourceOverrideMode)} is not allowed`);
      next.mode = b.BootSourceOverrideMode as 'Legacy' | 'UEFI';
    }
    s.boot = next;
  }

  async function pushBoot(s: SystemState): Promise<void> {
    const target = s.boot.target === 'BiosSetup' ? 'None' : s.boot.target;
    await s.spec.backend.setBootOverride({ target, enabled: s.boot.enabled, mode: s.boot.mode });
  }

  /** A reset lands after the BMC's delay; a power-on uses up a Once override (as real BMCs do). */
  async function scheduleReset(s: SystemState, type: ResetType): Promise<void> {
    const before = await s.spec.backend.powerState();
    const powersOn = type === 'On' || type === 'PowerCycle' || ((type === 'ForceRestart' || type === 'GracefulRestart') && before === 'On');
    let delay = powerDelayMs;
    if (powersOn && lateOnMs !== undefined) {
      delay = lateOnMs;
      lateOnMs = undefined;
    }
    const t = setTimeout(() => {
      timers.delete(t);
      void (async () => {
        await s.spec.backend.reset(type);
        if (powersOn && s.boot.enabled === 'Once') {
          s.boot = { ...s.boot, enabled: 'Disabled' };
          await pushBoot(s);
        }
      })().catch(() => undefined);
    }, delay);
    timers.add(t);
  }

  function checkIfMatch(req: IncomingMessage, current: unknown): void {
    const want = req.headers['if-match'];
    if (want === undefined || want === '*') return;
    const cur = etagOf(current);
    const strip = (e: string) => e.trim().replace(/^W\//, '');
    if (
      !String(want)
        .split(',')
        .some((e) => strip(e) === strip(cur))
    )
      throw new HttpError(412, `If-Match ${String(want)} does not match the current ETag ${cur}`);
  }

  function authOf(req: IncomingMessage): RequestRecord['auth'] {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') {
      if ([...sessions.values()].some((s) => s.token === token)) return 'session';
      throw new HttpError(401, 'The session token is not valid (expired or logged out).');
    }
    const h = req.headers.authorization;
    if (typeof h === 'string' && h.startsWith('Basic ')) {
      const [u, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      if (u === username && rest.join(':') === password) return 'basic';
      throw new HttpError(401, 'Invalid user name or password.', { 'WWW-Authenticate': 'Basic realm="Redfish"' });
    }
    throw new HttpError(401, 'Authentication required.', { 'WWW-Authenticate': 'Basic realm="Redfish"' });
  }

  const systemOf = (id: string) => {
    const s = systems.get(decodeURIComponent(id));
    if (!s) throw new HttpError(404, `No resource at this URI`);
    return s;
  };

  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

  async function route(req: IncomingMessage, path: string, body: any, rec: RequestRecord): Promise<Reply> {
    const m = req.method ?? 'GET';
    const p = path.replace(/\/+$/, '') || '/';
    if (p === '/redfish') return { status: 200, body: { v1: `${ROOT}/` } };
    if (p === ROOT && m === 'GET') return { status: 200, body: serviceRoot() };
    if (p === `${ROOT}/odata` && m === 'GET') return { status: 200, body: { value: [] } };
    if (!o.noSessions && p === `${ROOT}/SessionService/Sessions` && m === 'POST') {
      if (body?.UserName !== username || body?.Password !== password) throw new HttpError(401, 'Invalid user name or password.');
      const id = String(nextSession++);
      const token = crypto.randomBytes(16).toString('hex');
      sessions.set(id, { id, token, user: username });
      stats.sessionsCreated++;
      const loc = `${ROOT}/SessionService/Sessions/${id}`;
      return {
        status: 201,
        body: { '@odata.type': '#Session.v1_1_0.Session', '@odata.id': loc, Id: id, Name: 'User Session', UserName: username },
        headers: { 'X-Auth-Token': token, Location: loc },
      };
    }
    rec.auth = authOf(req);
    let mt: RegExpMatchArray | null;
    if (!o.noSessions && p === `${ROOT}/SessionService` && m === 'GET')
      return {
        status: 200,
        body: {
          '@odata.type': '#SessionService.v1_1_8.SessionService',
          '@odata.id': `${ROOT}/SessionService`,
          Id: 'SessionService',
          Name: 'Session Service',
          ServiceEnabled: true,
          SessionTimeout: 1800,
          Sessions: { '@odata.id': `${ROOT}/SessionService/Sessions` },
        },
      };
    if (!o.noSessions && p === `${ROOT}/SessionService/Sessions` && m === 'GET')
      return {
        status: 200,
        body: collection(
          'SessionCollection.SessionCollection',
          p,
          'Sessions',
          [...sessions.keys()].map((id) => `${p}/${id}`),
        ),
      };
    if (!o.noSessions && (mt = p.match(/^\/redfish\/v1\/SessionService\/Sessions\/([^/]+)$/))) {
      const sess = sessions.get(mt[1]!);
      if (!sess) throw new HttpError(404, 'No such session');
      if (m === 'DELETE') {
        sessions.delete(sess.id);
        stats.sessionsDeleted++;
        return { status: 204 };
      }
      return { status: 200, body: { '@odata.type': '#Session.v1_1_0.Session', '@odata.id': p, Id: sess.id, UserName: sess.user } };
    }
    if (p === `${ROOT}/Systems` && m === 'GET')
      return {
        status: 200,
        body: collection('ComputerSystemCollection.ComputerSystemCollection', p, 'Systems', [...systems.keys()].map(sysPath)),
      };
    if (p === `${ROOT}/Managers` && m === 'GET')
      return { status: 200, body: collection('ManagerCollection.ManagerCollection', p, 'Managers', [...systems.keys()].map(mgrPath)) };
    if ((mt = p.match(/^\/redfish\/v1\/Systems\/([^/]+)$/))) {
      const s = systemOf(mt[1]!);
      if (m === 'GET') return { status: 200, body: await systemBody(s) };
      if (m === 'PATCH') {
        if (o.settingsObject && body?.Boot)
          throw new HttpError(400, 'Boot is changed through the @Redfish.Settings object of this system.');
        checkIfMatch(req, await systemBody(s));
        if (body?.Boot) {
          applyBoot(s, body.Boot);
          await pushBoot(s);
        }
        return { status: 200, body: await systemBody(s) };
      }
    }
    if (o.settingsObject && (mt = p.match(/^\/redfish\/v1\/Systems\/([^/]+)\/Settings$/))) {
      const s = systemOf(mt[1]!);
      const settingsBody = {
        '@odata.id': p,
        '@odata.type': '#ComputerSystem.v1_10_0.ComputerSystem',
        Id: 'Settings',
        Boot: {
          BootSourceOverrideTarget: s.boot.target,
          BootSourceOverrideEnabled: s.boot.enabled,
          BootSourceOverrideMode: s.boot.mode,
        },
      };
      if (m === 'GET') return { status: 200, body: settingsBody };
      if (m === 'PATCH') {
        checkIfMatch(req, settingsBody);
        if (body?.Boot) {
          applyBoot(s, body.Boot);
          await pushBoot(s);
        }
        return { status: 204 };
      }
    }
    if ((mt = p.match(/^\/redfish\/v1\/Systems\/([^/]+)\/Actions\/ComputerSystem\.Reset$/)) && m === 'POST') {
      const s = systemOf(mt[1]!);
      const type = body?.ResetType as ResetType;
      if (!(s.spec.resetTypes ?? RESET_TYPES).includes(type))
        throw new HttpError(400, `ResetType ${String(type)} is not one of the allowable values`);
      await scheduleReset(s, type);
      return { status: 204 };
    }
    if ((mt = p.match(/^\/redfish\/v1\/Managers\/([^/]+)$/)) && m === 'GET') return { status: 200, body: managerBody(systemOf(mt[1]!)) };
    const vmRe = vmUnder === 'Managers' ? 'Managers' : 'Systems';
    if ((mt = p.match(new RegExp(`^/redfish/v1/${vmRe}/([^/]+)/VirtualMedia$`))) && m === 'GET') {
      systemOf(mt[1]!);
      return {
        status: 200,
        body: collection('VirtualMediaCollection.VirtualMediaCollection', p, 'Virtual Media', [`${p}/Cd`, `${p}/Usb`]),
      };
    }
    if (
      (mt = p.match(new RegExp(`^/redfish/v1/${vmRe}/([^/]+)/VirtualMedia/(Cd|Usb)(/Actions/VirtualMedia\\.(InsertMedia|EjectMedia))?$`)))
    ) {
      const s = systemOf(mt[1]!);
      const slot = mt[2] as 'Cd' | 'Usb';
      const action = mt[4];
      const media = s.media[slot];
      if (!action && m === 'GET') return { status: 200, body: mediaBody(s, slot) };
      if (!action && m === 'PATCH') {
        checkIfMatch(req, mediaBody(s, slot));
        if (body?.Image !== undefined) {
          if (body.Image === null || body.Image === '') {
            s.media[slot] = { ...media, image: null, inserted: false };
            await s.spec.backend.ejectMedia(slot);
          } else {
            if (media.inserted) throw new HttpError(400, `${slot}: media already inserted; eject it first`);
            s.media[slot] = { image: String(body.Image), inserted: body.Inserted ?? true, writeProtected: body.WriteProtected ?? true };
            await s.spec.backend.insertMedia(slot, String(body.Image));
          }
        } else if (body?.Inserted === false) {
          s.media[slot] = { ...media, image: null, inserted: false };
          await s.spec.backend.ejectMedia(slot);
        }
        return { status: 200, body: mediaBody(s, slot) };
      }
      if (action && m === 'POST' && !o.virtualMediaPatchOnly) {
        if (action === 'InsertMedia') {
          if (typeof body?.Image !== 'string' || !/^https?:\/\//.test(body.Image)) throw new HttpError(400, 'Image must be an http(s) URL');
          if (media.inserted) throw new HttpError(400, `${slot}: media already inserted; eject it first`);
          s.media[slot] = { image: body.Image, inserted: body.Inserted ?? true, writeProtected: body.WriteProtected ?? true };
          await s.spec.backend.insertMedia(slot, body.Image);
        } else {
          if (!media.inserted) throw new HttpError(400, `${slot}: no media inserted`);
          s.media[slot] = { ...media, image: null, inserted: false };
          await s.spec.backend.ejectMedia(slot);
        }
        return { status: 204 };
      }
    }
    throw new HttpError(m === 'GET' ? 404 : 405, `${m} ${p}: no such resource or operation`);
  }

  /** The Allow header (sushy decides PATCH-vs-action for virtual media by it). */
  function allowOf(p: string): string {
    if (/\/(Systems\/[^/]+(\/Settings)?|VirtualMedia\/(Cd|Usb))\/?$/.test(p)) return 'GET, PATCH';
    if (/\/SessionService\/Sessions\/?$/.test(p)) return 'GET, POST';
    if (/\/SessionService\/Sessions\/[^/]+$/.test(p)) return 'GET, DELETE';
    if (/\/Actions\//.test(p)) return 'POST';
    return 'GET';
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'https://bmc');
    let body: any;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const rec: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, auth: 'none' };
    if (req.headers['if-match']) rec.ifMatch = String(req.headers['if-match']);
    if (body !== undefined && !(body && typeof body === 'object' && 'Password' in body)) rec.body = body;
    requests.push(rec);
    const fault = faults.find((f) => (!f.method || f.method === rec.method) && (!f.path || f.path.test(rec.path)));
    if (fault) {
      if (--fault.left <= 0) faults.splice(faults.indexOf(fault), 1);
      if (fault.hang) return; // the socket stays open until the client gives up or the BMC stops
      const b = JSON.stringify(redfishError(fault.status ?? 500, `Injected fault: HTTP ${fault.status ?? 500}`));
      res.writeHead(fault.status ?? 500, { 'Content-Type': 'application/json' }).end(b);
      return;
    }
    let reply: Reply;
    try {
      reply = await route(req, url.pathname, body, rec);
    } catch (e) {
      const he = e instanceof HttpError ? e : new HttpError(500, (e as Error).message);
      reply = { status: he.status, body: redfishError(he.status, he.message), headers: he.headers };
    }
    const headers: Record<string, string> = { 'OData-Version': '4.0', Allow: allowOf(url.pathname), ...(reply.headers ?? {}) };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const b = reply.body as Record<string, unknown>;
    if (reply.status < 300 && b['@odata.id']) {
      const tag = etagOf(b);
      headers.ETag = tag;
      b['@odata.etag'] = tag;
    }
    res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(b));
  }

  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => stats.inFlight--);
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as { port: number };
  const host = o.host ?? '127.0.0.1';
  return {
    url: `https://${host.includes(':') ? `[${host}]` : host}:${addr.port}`,
    caFile: tls.caFile,
    username,
    password,
    systemPath: sysPath,
    failNext: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    expireSessions: () => sessions.clear(),
    lateOn: (ms) => (lateOnMs = ms),
    touch: (id) => systemOf(id).generation++,
    requests,
    stats,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await Promise.all([...systems.values()].map((s) => s.spec.backend.close()));
    },
  };
}
