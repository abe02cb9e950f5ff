// A node row as the Ironic v1 API shows it at the request's microversion (up to the 1.95 shape), secrets masked.
import type { Node } from '#prisma/generated/sqlite/client';
import { resolveBootMode, type BootMode } from '#workflows/domain/boot-mode';
import { findHardwareType, INTERFACE_TYPES, type InterfaceType, type NodeDriverFields } from '#workflows/domain/drivers';
import { MASK, maskSecrets } from '#workflows/domain/secrets';
import { links, type Link } from '../common/links';
import { hideNewerFields } from './node-versions';

export function isoTime(d: Date | null | undefined): string | null {
  if (!d) return null;
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
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

/**
 * What Ironic's policy shows only to a node's owner (and system readers): a lessee sees these
 * values replaced with Ironic's redaction text (the BMC's address and user, the lock holder,
 * the owner's errors). Unset values stay unset.
 */
function redactForLessee(full: Record<string, unknown>): void {
  full.driver_info = { content: '** Redacted - requires baremetal:node:get:driver_info permission. **' };
  full.driver_internal_info = { content: '** Redacted - Requires baremetal:node:get:driver_internal_info permission. **' };
  if (full.last_error !== null) full.last_error = '** Value Redacted - Requires baremetal:node:get:last_error permission. **';
  if (full.reservation !== null) full.reservation = '** Redacted - requires baremetal:node:get:reservation permission. **';
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

export function nodeView(node: Node, ctx: NodeViewContext, fields?: readonly string[]): Record<string, unknown> {
  const ifaces = interfacesOf(node);
  const extraState = parseJson(node.interfaces);
  const internal = maskSecrets(parseJson(node.driverInternalInfo)) as Record<string, unknown>;
  const instanceInfo = maskSecrets(parseJson(node.instanceInfo)) as Record<string, unknown>;
  if (instanceInfo.configdrive !== undefined) instanceInfo.configdrive = MASK;
  const sub = (name: string): Link[] => links(ctx.base, 'nodes', `${node.uuid}/${name}`);
  const full: Record<string, unknown> = {
    uuid: node.uuid,
    created_at: isoTime(node.createdAt),
    updated_at: isoTime(node.updatedAt),
    automated_clean: node.automatedClean,
    // The mode Ironflow last booted the node in; secure boot is not something IPMI can report.
    boot_mode: node.bootMode,
    clean_step: parseJson(node.cleanStep),
    conductor_group: node.conductorGroup,
    console_enabled: false,
    deploy_step: parseJson(node.deployStep),
    description: node.description,
    driver: node.driver,
    driver_info: maskSecrets(parseJson(node.driverInfo)),
    driver_internal_info: internal,
    extra: parseJson(node.extra),
    fault: node.fault,
    inspection_finished_at: isoTime(node.inspectionFinishedAt),
    inspection_started_at: isoTime(node.inspectionStartedAt),
    instance_info: instanceInfo,
    instance_uuid: node.instanceUuid,
    last_error: node.lastError,
    lessee: node.lessee,
    maintenance: node.maintenance,
    maintenance_reason: node.maintenanceReason,
    name: node.name,
    network_data: extraState.network_data ?? {},
    owner: node.owner,
    power_state: node.powerState,
    properties: parseJson(node.properties),
    protected: node.protected,
    protected_reason: node.protectedReason,
    provision_state: node.provisionState,
    provision_updated_at: isoTime(node.provisionUpdatedAt),
    raid_config: {},
    reservation: ctx.reservation,
    resource_class: node.resourceClass,
    retired: node.retired,
    retired_reason: node.retiredReason,
    secure_boot: null,
    target_power_state: node.targetPowerState,
    target_provision_state: node.targetProvisionState,
    target_raid_config: parseJson(node.targetRaidConfig),
    traits: ctx.traits,
    conductor: ctx.conductor,
    allocation_uuid: node.allocationUuid,
    shard: node.shard,
    parent_node: node.parentNode,
    disable_power_off: node.disablePowerOff,
    service_step: {},
    chassis_uuid: node.chassisUuid,
    links: links(ctx.base, 'nodes', node.uuid),
    ports: sub('ports'),
    states: sub('states'),
    portgroups: sub('portgroups'),
    volume: sub('volume'),
  };
  for (const t of INTERFACE_TYPES) full[`${t}_interface`] = ifaces[t];
  if (ctx.lesseeView) redactForLessee(full);
  hideNewerFields(full, ctx.apiMinor);
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out.links = full.links;
  return out;
}
