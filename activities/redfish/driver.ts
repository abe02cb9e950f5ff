// The Redfish operations Ironflow needs from a BMC, over RedfishClient: power by
// ComputerSystem.Reset, boot override by PATCH Boot, virtual media by the
// VirtualMedia actions. Protocol only: it knows targets, not nodes.
//
// - Power: the ResetTypes the System allows (ResetType@Redfish.AllowableValues, else
//   its @Redfish.ActionInfo, else all). on/off when already there is success. A
//   reboot is ForceRestart, or ForceOff, wait for Off, On where ForceRestart is
//   absent. PowerState PoweringOn/PoweringOff count as the state being left: a
//   change has landed only when the BMC says On or Off.
// - Boot: PATCH Boot (or the @Redfish.Settings object where the System has one) with
//   the ETag read just before as If-Match; a 412 (someone changed the System in
//   between) re-reads and retries once.
// - Virtual media: the collection under the System's Manager (Links.ManagedBy), else
//   under the System; the slot whose MediaTypes fit. Insert ejects first; actions
//   where offered, PATCH otherwise.
import { RedfishClient, originOf, type RedfishClientOptions, type RedfishTarget } from './client';
import { RedfishProtocolError, RedfishTimeoutError, RedfishUnsupportedError } from './errors';

/** As workflows/contracts/power names them (this unit imports nothing of the workflows). */
export type PowerState = 'power on' | 'power off';
export type BootDevice = 'pxe' | 'disk' | 'cdrom' | 'bios' | 'safe';
export type PowerAction = 'on' | 'off' | 'cycle' | 'reset' | 'soft';
export type MediaSlot = 'cd' | 'usb';

export interface BootDeviceSetting {
  bootDevice: BootDevice | null;
  persistent: boolean | null;
  uefi?: boolean | null;
}

export interface RedfishDriverOptions extends RedfishClientOptions {
  /** Reboot without ForceRestart: how long to wait for Off before On (ms, default 60000). */
  offWaitMs?: number;
  /** How often to read PowerState while waiting (ms, default 500). */
  pollMs?: number;
}

const TO_REDFISH: Readonly<Record<BootDevice, string | undefined>> = {
  pxe: 'Pxe',
  disk: 'Hdd',
  cdrom: 'Cd',
  bios: 'BiosSetup',
  safe: undefined,
};
const FROM_REDFISH: Readonly<Record<string, BootDevice>> = { Pxe: 'pxe', Hdd: 'disk', Cd: 'cdrom', BiosSetup: 'bios' };
const MEDIA_TYPES: Readonly<Record<MediaSlot, string[]>> = { cd: ['CD', 'DVD'], usb: ['USBStick'] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const idOf = (x: unknown): string | undefined => (x as { '@odata.id'?: string } | undefined)?.['@odata.id'];

export class RedfishDriver {
  readonly client: RedfishClient;
  private readonly systems = new Map<string, string>();
  private readonly offWaitMs: number;
  private readonly pollMs: number;

  constructor(options: RedfishDriverOptions = {}) {
    this.client = new RedfishClient(options);
    this.offWaitMs = options.offWaitMs ?? 60_000;
    this.pollMs = options.pollMs ?? 500;
  }

  /** The System's path: redfish_system_id (a path, or an id under /redfish/v1/Systems), else the BMC's only system. */
  async systemPath(t: RedfishTarget): Promise<string> {
    if (t.systemId) return t.systemId.startsWith('/') ? t.systemId : `/redfish/v1/Systems/${encodeURIComponent(t.systemId)}`;
    const key = originOf(t);
    const have = this.systems.get(key);
    if (have) return have;
    const root = await this.client.serviceRoot(t);
    const members: unknown[] = (await this.client.get(t, idOf(root.Systems) ?? '/redfish/v1/Systems')).body.Members ?? [];
    if (members.length !== 1)
      throw new RedfishUnsupportedError(
        `The Redfish service at ${key} has ${members.length} systems: set redfish_system_id to one of ${members.map(idOf).join(', ') || '(none)'}.`,
      );
    const path = idOf(members[0])!;
    this.systems.set(key, path);
    return path;
  }

  async getPowerState(t: RedfishTarget): Promise<PowerState> {
    const { body } = await this.client.get(t, await this.systemPath(t));
    return powerStateOf(body.PowerState);
  }

  async setPower(t: RedfishTarget, action: PowerAction): Promise<void> {
    const path = await this.systemPath(t);
    const { body } = await this.client.get(t, path);
    const now = powerStateOf(body.PowerState);
    const allowed = await this.resetTypes(t, body);
    const reset = (type: string) => this.reset(t, body, allowed, type);
    switch (action) {
      case 'on':
        if (now !== 'power on') await reset('On');
        return;
      case 'off':
        if (now !== 'power off') await reset('ForceOff');
        return;
      case 'soft':
        if (now !== 'power off') await reset('GracefulShutdown');
        return;
      case 'cycle':
        if (now === 'power off') return reset('On');
        if (!allowed || allowed.includes('PowerCycle')) return reset('PowerCycle');
        return this.restart(t, path, body, allowed);
      case 'reset':
        if (now === 'power off') return reset('On');
        return this.restart(t, path, body, allowed);
    }
  }

  async getBootDevice(t: RedfishTarget): Promise<BootDeviceSetting> {
    const { body } = await this.client.get(t, await this.systemPath(t));
    const boot = body.Boot ?? {};
    const enabled = boot.BootSourceOverrideEnabled;
    return {
      bootDevice: enabled === 'Disabled' ? null : (FROM_REDFISH[boot.BootSourceOverrideTarget] ?? null),
      persistent: enabled === undefined ? null : enabled === 'Continuous',
      uefi: boot.BootSourceOverrideMode === undefined ? null : boot.BootSourceOverrideMode === 'UEFI',
    };
  }

  async setBootDevice(t: RedfishTarget, device: BootDevice, opts: { persistent: boolean; uefi?: boolean }): Promise<void> {
    const target = TO_REDFISH[device];
    if (!target) throw new RedfishUnsupportedError(`Redfish has no boot device "${device}".`);
    const path = await this.systemPath(t);
    for (let attempt = 0; ; attempt++) {
      const { body, etag } = await this.client.get(t, path);
      const boot = body.Boot ?? {};
      const targets: unknown = boot['BootSourceOverrideTarget@Redfish.AllowableValues'];
      if (Array.isArray(targets) && !targets.includes(target))
        throw new RedfishUnsupportedError(`The BMC of ${path} does not offer boot target ${target} (it offers ${targets.join(', ')}).`);
      const patch: Record<string, string> = {
        BootSourceOverrideTarget: target,
        BootSourceOverrideEnabled: opts.persistent ? 'Continuous' : 'Once',
      };
      const modes: unknown = boot['BootSourceOverrideMode@Redfish.AllowableValues'];
      const mode = opts.uefi === undefined ? undefined : opts.uefi ? 'UEFI' : 'Legacy';
      if (mode && boot.BootSourceOverrideMode !== undefined && (!Array.isArray(modes) || modes.includes(mode)))
        patch.BootSourceOverrideMode = mode;
      // Where the System names a settings object, changes go there, with its own ETag.
      const settings = idOf(body['@Redfish.Settings']?.SettingsObject);
      const where = settings ? { path: settings, etag: (await this.client.get(t, settings)).etag } : { path, etag };
      const r = await this.client.request(
        t,
        'PATCH',
        where.path,
        { Boot: patch },
        {
          headers: where.etag ? { 'If-Match': where.etag } : {},
          accept: attempt === 0 ? [412] : [],
        },
      );
      if (r.status !== 412) return;
    }
  }

  async injectNmi(t: RedfishTarget): Promise<void> {
    const path = await this.systemPath(t);
    const { body } = await this.client.get(t, path);
    await this.reset(t, body, await this.resetTypes(t, body), 'Nmi');
  }

  /** Ejects whatever is in the slot, then inserts url (read-only). */
  async insertMedia(t: RedfishTarget, slot: MediaSlot, url: string): Promise<void> {
    const media = await this.mediaPath(t, slot);
    await this.ejectMedia(t, slot, media);
    const { body, etag } = await this.client.get(t, media);
    const action = body.Actions?.['#VirtualMedia.InsertMedia']?.target;
    if (action) {
      const r = await this.client.request(t, 'POST', action, { Image: url, Inserted: true, WriteProtected: true }, { accept: [404, 405] });
      if (r.status < 300) return;
    }
    await this.client.request(
      t,
      'PATCH',
      media,
      { Image: url, Inserted: true, WriteProtected: true },
      { headers: etag ? { 'If-Match': etag } : {} },
    );
  }

  async ejectMedia(t: RedfishTarget, slot: MediaSlot, known?: string): Promise<void> {
    const media = known ?? (await this.mediaPath(t, slot));
    const { body, etag } = await this.client.get(t, media);
    if (!body.Inserted && !body.Image) return;
    const action = body.Actions?.['#VirtualMedia.EjectMedia']?.target;
    if (action) {
      const r = await this.client.request(t, 'POST', action, {}, { accept: [404, 405] });
      if (r.status < 300) return;
    }
    await this.client.request(t, 'PATCH', media, { Image: null, Inserted: false }, { headers: etag ? { 'If-Match': etag } : {} });
  }

  close(): Promise<void> {
    return this.client.close();
  }

  /** The VirtualMedia member for a slot: under the System's Manager, else the System. */
  private async mediaPath(t: RedfishTarget, slot: MediaSlot): Promise<string> {
    const sysPath = await this.systemPath(t);
    const { body: sys } = await this.client.get(t, sysPath);
    const candidates: string[] = [];
    const manager = idOf(sys.Links?.ManagedBy?.[0]);
    if (manager) {
      const vm = idOf((await this.client.get(t, manager)).body.VirtualMedia);
      if (vm) candidates.push(vm);
    }
    const own = idOf(sys.VirtualMedia);
    if (own) candidates.push(own);
    for (const c of candidates) {
      for (const m of (await this.client.get(t, c)).body.Members ?? []) {
        const path = idOf(m);
        if (!path) continue;
        const { body } = await this.client.get(t, path);
        const types: unknown[] = Array.isArray(body.MediaTypes) ? body.MediaTypes : [];
        if (types.some((x) => MEDIA_TYPES[slot].includes(String(x)))) return path;
      }
    }
    throw new RedfishUnsupportedError(`The BMC of ${sysPath} has no virtual ${slot === 'cd' ? 'CD' : 'USB'} slot.`);
  }

  /** The allowed ResetTypes, or undefined when the BMC does not say (then we try). */
  private async resetTypes(t: RedfishTarget, sys: any): Promise<string[] | undefined> {
    const action = sys.Actions?.['#ComputerSystem.Reset'];
    if (!action?.target) throw new RedfishProtocolError(`The System at ${idOf(sys) ?? '?'} offers no #ComputerSystem.Reset action.`);
    const inline: unknown = action['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(inline)) return inline.map(String);
    const info = action['@Redfish.ActionInfo'];
    if (typeof info === 'string') {
      const params: Array<{ Name?: string; AllowableValues?: unknown[] }> = (await this.client.get(t, info)).body.Parameters ?? [];
      const p = params.find((x) => x.Name === 'ResetType');
      if (Array.isArray(p?.AllowableValues)) return p.AllowableValues.map(String);
    }
    return undefined;
  }

  private async reset(t: RedfishTarget, sys: any, allowed: string[] | undefined, type: string): Promise<void> {
    if (allowed && !allowed.includes(type))
      throw new RedfishUnsupportedError(
        `The BMC of ${idOf(sys) ?? 'the system'} does not allow ResetType ${type} (it allows ${allowed.join(', ')}).`,
      );
    await this.client.request(t, 'POST', sys.Actions['#ComputerSystem.Reset'].target, { ResetType: type });
  }

  /** ForceRestart where allowed; otherwise ForceOff, wait until the BMC says Off, then On. */
  private async restart(t: RedfishTarget, path: string, sys: any, allowed: string[] | undefined): Promise<void> {
    if (!allowed || allowed.includes('ForceRestart')) return this.reset(t, sys, allowed, 'ForceRestart');
    await this.reset(t, sys, allowed, 'ForceOff');
    const deadline = performance.now() + this.offWaitMs;
    while (powerStateOf((await this.client.get(t, path)).body.PowerState) !== 'power off') {
      if (performance.now() >= deadline)
        throw new RedfishTimeoutError(`The BMC of ${path} did not report Off within ${this.offWaitMs} ms of ForceOff (reboot).`);
      await sleep(this.pollMs);
    }
    await this.reset(t, sys, allowed, 'On');
  }
}

function powerStateOf(s: unknown): PowerState {
  switch (s) {
    case 'On':
    case 'PoweringOff':
      return 'power on';
    case 'Off':
    case 'PoweringOn':
      return 'power off';
    default:
      throw new RedfishProtocolError(`The BMC reports PowerState ${JSON.stringify(s)}.`);
  }
}
