// A node row as the Ironic v1 API shows it at the request's microversion (up to the 1.95 shape), secrets masked.
import type { Node } from '#prisma/generated/sqlite/client';
import { resolveBootMode, type BootMode } from '#workflows/domain/boot-mode';
import { findHardwareType, INTERFACE_TYPES, type InterfaceType, type NodeDriverFields } from '#workflows/domain/drivers';
import { MASK, maskSecrets } from '#workflows/domain/secrets';
import { links, type Link } from '../common/links';
import { fieldAllowed } from './node-versions';

export function isoTime(d: Date | null | undefined): string | null {
  if (!d) return null;
  const s = d.toISOString();
  // YYYY-MM-DDTHH:MM:SS.mmmZ -> Python's isoformat with microseconds and +00:00 (other years keep toISOString's form)
  return s.length === 24 && s.charCodeAt(23) === 90 ? `${s.slice(0, 23)}000+00:00` : s.replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

export function parseJson(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

export function interfacesOf(node: Pick<Node, 'driver' | 'interfaces'>): Record<InterfaceType, string> {
  const overrides = parseJson(node.interfaces) as Partial<Record<InterfaceType, string>>;
  const hw = findHardwareType(node.driver);
  const out = {} as Record<InterfaceType, string>;
  for (const t of INTERFACE_TYPES) out[t] = overrides[t] ?? hw?.defaults[t] ?? 'noop';
  return out;
}

/** The mode to boot this node in now (instance_info.deploy_boot_mode, capabilities boot_mode, else the default). */
export function bootModeFor(node: Pick<Node, 'properties' | 'instanceInfo'>, fallback: BootMode): BootMode {
  return resolveBootMode({ properties: parseJson(node.properties), instanceInfo: parseJson(node.instanceInfo) }, fallback);
}

/** What the driver rules read of a node row, given its driver_info opened. */
export function driverFieldsOf(node: Pick<Node, 'driver' | 'interfaces'>, driverInfo: Record<string, unknown>): NodeDriverFields {
  return { driver: node.driver, interfaces: parseJson(node.interfaces), driverInfo };
}

/** Every field `node list --long` knows, in the order Ironic documents them. */
export const NODE_FIELDS = [
  'allocation_uuid',
  'automated_clean',
  'bios_interface',
  'boot_interface',
  'boot_mode',
  'chassis_uuid',
  'clean_step',
  'conductor',
  'conductor_group',
  'console_enabled',
  'console_interface',
  'created_at',
  'raid_config',
  'deploy_interface',
  'deploy_step',
  'description',
  'disable_power_off',
  'driver',
  'driver_info',
  'driver_internal_info',
  'extra',
  'fault',
  'firmware_interface',
  'inspect_interface',
  'inspection_finished_at',
  'inspection_started_at',
  'instance_info',
  'instance_uuid',
  'last_error',
  'lessee',
  'maintenance',
  'maintenance_reason',
  'management_interface',
  'name',
  'network_data',
  'network_interface',
  'owner',
  'parent_node',
  'power_interface',
  'power_state',
  'properties',
  'protected',
  'protected_reason',
  'provision_updated_at',
  'provision_state',
  'raid_interface',
  'rescue_interface',
  'reservation',
  'resource_class',
  'retired',
  'retired_reason',
  'secure_boot',
  'service_step',
  'shard',
  'storage_interface',
  'target_power_state',
  'target_provision_state',
  'target_raid_config',
  'traits',
  'uuid',
  'updated_at',
  'vendor_interface',
] as const;

export const DEFAULT_LIST_FIELDS = ['uuid', 'name', 'instance_uuid', 'power_state', 'provision_state', 'maintenance'];

export interface NodeViewContext {
  base: string;
  /** Host holding the node's lock, or null. */
  reservation: string | null;
  conductor: string | null;
  /** The request's microversion: fields newer than it are left out. */
  apiMinor: number;
  /** The node's traits, sorted. */
  traits: string[];
  /** The request reaches the node only as its lessee: what Ironic shows owners only is redacted. */
  lesseeView?: boolean;
}

/** The document JSON Patch operates on: all patchable fields, secrets unmasked. */
export function nodePatchDocument(node: Node, driverInfo: Record<string, unknown>): Record<string, unknown> {
  const ifaces = interfacesOf(node);
  const doc: Record<string, unknown> = {
    automated_clean: node.automatedClean,
    chassis_uuid: node.chassisUuid,
    conductor_group: node.conductorGroup,
    description: node.description,
    driver: node.driver,
    driver_info: driverInfo,
    extra: parseJson(node.extra),
    instance_info: parseJson(node.instanceInfo),
    instance_uuid: node.instanceUuid,
    lessee: node.lessee,
    maintenance: node.maintenance,
    name: node.name,
    network_data: parseJson(node.interfaces).network_data ?? {},
    owner: node.owner,
    properties: parseJson(node.properties),
    protected: node.protected,
    protected_reason: node.protectedReason,
    resource_class: node.resourceClass,
    retired: node.retired,
    retired_reason: node.retiredReason,
    shard: node.shard,
    parent_node: node.parentNode,
    disable_power_off: node.disablePowerOff,
  };
  for (const t of INTERFACE_TYPES) doc[`${t}_interface`] = ifaces[t];
  return doc;
}

/** The redaction texts a lessee sees in place of what Ironic's policy shows only to owners (and system readers). */
const REDACTED = {
  driver_info: { content: '** Redacted - requires baremetal:node:get:driver_info permission. **' },
  driver_internal_info: { content: '** Redacted - Requires baremetal:node:get:driver_internal_info permission. **' },
  last_error: '** Value Redacted - Requires baremetal:node:get:last_error permission. **',
  reservation: '** Redacted - requires baremetal:node:get:reservation permission. **',
};

/** One node row being shown: each JSON column decoded at most once, only if a shown field needs it. */
class RowView {
  private ifaces?: Record<InterfaceType, string>;
  private iface?: Record<string, unknown>;
  constructor(
    readonly node: Node,
    readonly ctx: NodeViewContext,
  ) {}
  interfaceOverrides(): Record<string, unknown> {
    return (this.iface ??= parseJson(this.node.interfaces));
  }
  interfaces(): Record<InterfaceType, string> {
    if (this.ifaces) return this.ifaces;
    const overrides = this.interfaceOverrides() as Partial<Record<InterfaceType, string>>;
    const hw = findHardwareType(this.node.driver);
    const out = {} as Record<InterfaceType, string>;
    for (const t of INTERFACE_TYPES) out[t] = overrides[t] ?? hw?.defaults[t] ?? 'noop';
    return (this.ifaces = out);
  }
  sub(name: string): Link[] {
    return links(this.ctx.base, 'nodes', `${this.node.uuid}/${name}`);
  }
}

type Field = (v: RowView) => unknown;

/**
 * Every field of a node's view, in the order the API has always written them, and how to
 * compute it; a lessee sees the REDACTED texts instead (unset last_error and reservation stay unset).
 */
const VIEW_FIELDS: Readonly<Record<string, Field>> = {
  uuid: (v) => v.node.uuid,
  created_at: (v) => isoTime(v.node.createdAt),
  updated_at: (v) => isoTime(v.node.updatedAt),
  automated_clean: (v) => v.node.automatedClean,
  // The mode Ironflow last booted the node in; secure boot is not something IPMI can report.
  boot_mode: (v) => v.node.bootMode,
  clean_step: (v) => parseJson(v.node.cleanStep),
  conductor_group: (v) => v.node.conductorGroup,
  console_enabled: () => false,
  deploy_step: (v) => parseJson(v.node.deployStep),
  description: (v) => v.node.description,
  driver: (v) => v.node.driver,
  driver_info: (v) => (v.ctx.lesseeView ? REDACTED.driver_info : maskSecrets(parseJson(v.node.driverInfo))),
  driver_internal_info: (v) =>
    v.ctx.lesseeView ? REDACTED.driver_internal_info : (maskSecrets(parseJson(v.node.driverInternalInfo)) as Record<string, unknown>),
  extra: (v) => parseJson(v.node.extra),
  fault: (v) => v.node.fault,
  inspection_finished_at: (v) => isoTime(v.node.inspectionFinishedAt),
  inspection_started_at: (v) => isoTime(v.node.inspectionStartedAt),
  instance_info: (v) => {
    const info = maskSecrets(parseJson(v.node.instanceInfo)) as Record<string, unknown>;
    if (info.configdrive !== undefined) info.configdrive = MASK;
    return info;
  },
  instance_uuid: (v) => v.node.instanceUuid,
  last_error: (v) => (v.ctx.lesseeView && v.node.lastError !== null ? REDACTED.last_error : v.node.lastError),
  lessee: (v) => v.node.lessee,
  maintenance: (v) => v.node.maintenance,
  maintenance_reason: (v) => v.node.maintenanceReason,
  name: (v) => v.node.name,
  network_data: (v) => v.interfaceOverrides().network_data ?? {},
  owner: (v) => v.node.owner,
  power_state: (v) => v.node.powerState,
  properties: (v) => parseJson(v.node.properties),
  protected: (v) => v.node.protected,
  protected_reason: (v) => v.node.protectedReason,
  provision_state: (v) => v.node.provisionState,
  provision_updated_at: (v) => isoTime(v.node.provisionUpdatedAt),
  raid_config: () => ({}),
  reservation: (v) => (v.ctx.lesseeView && v.ctx.reservation !== null ? REDACTED.reservation : v.ctx.reservation),
  resource_class: (v) => v.node.resourceClass,
  retired: (v) => v.node.retired,
  retired_reason: (v) => v.node.retiredReason,
  secure_boot: () => null,
  target_power_state: (v) => v.node.targetPowerState,
  target_provision_state: (v) => v.node.targetProvisionState,
  target_raid_config: (v) => parseJson(v.node.targetRaidConfig),
  traits: (v) => v.ctx.traits,
  conductor: (v) => v.ctx.conductor,
  allocation_uuid: (v) => v.node.allocationUuid,
  shard: (v) => v.node.shard,
  parent_node: (v) => v.node.parentNode,
  disable_power_off: (v) => v.node.disablePowerOff,
  service_step: () => ({}),
  chassis_uuid: (v) => v.node.chassisUuid,
  links: (v) => links(v.ctx.base, 'nodes', v.node.uuid),
  ports: (v) => v.sub('ports'),
  states: (v) => v.sub('states'),
  portgroups: (v) => v.sub('portgroups'),
  volume: (v) => v.sub('volume'),
  ...Object.fromEntries(INTERFACE_TYPES.map((t): [string, Field] => [`${t}_interface`, (v) => v.interfaces()[t]])),
};

/** The fields a view writes, in order: all the request's version knows, or those asked for (that it knows) and links. */
function shownFields(apiMinor: number, fields: readonly string[] | undefined): string[] {
  const known = Object.keys(VIEW_FIELDS).filter((f) => fieldAllowed(f, apiMinor));
  if (!fields) return known;
  return [...fields.filter((f) => known.includes(f)), 'links'];
}

const shownCache = new Map<string, string[]>();

/** shownFields, remembered: a list asks the same question for every row. */
function shownFieldsOf(apiMinor: number, fields: readonly string[] | undefined): string[] {
  const key = `${apiMinor}:${fields?.join(',') ?? '*'}`;
  let shown = shownCache.get(key);
  if (!shown) {
    shown = shownFields(apiMinor, fields);
    if (shownCache.size < 1000) shownCache.set(key, shown);
  }
  return shown;
}

/** The node's view: every field the request's version knows, or only `fields` (and links). */
export function nodeView(node: Node, ctx: NodeViewContext, fields?: readonly string[]): Record<string, unknown> {
  const row = new RowView(node, ctx);
  const out: Record<string, unknown> = {};
  for (const f of shownFieldsOf(ctx.apiMinor, fields)) out[f] = VIEW_FIELDS[f](row);
  return out;
}
