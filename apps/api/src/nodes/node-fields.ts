// Turns a node document (the API's field names) into validated database columns.
// Create and PATCH both end here, so every rule holds for both.
import { BadRequestError } from '../common/errors';
import { isUuidLike, normalizeUuid, readBool, readObject, readOptBool, readOptString, readUuid, type Json } from '../common/input';
import { bootModeProblems } from '#workflows/domain/boot-mode';
import { rootDeviceProblems } from '#workflows/domain/root-device-hints';
import { driverInfoProblems, findHardwareType, HARDWARE_TYPES, INTERFACE_TYPES } from '#workflows/domain/drivers';

export const RESERVED_NAMES = ['maintenance', 'management', 'states', 'vendor_passthru', 'detail', 'validate'];
const NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;
const GROUP_RE = /^[A-Za-z0-9_\-.:]{0,255}$/;
/** Boot from volume (the cinder and external storage interfaces) does not exist yet. */
const STORAGE_HINT =
  ' Boot from volume is not supported yet: storage_interface can only be noop (volume connectors and targets are kept as records).';

export function checkNodeName(name: string, verb = 'create'): void {
  if (RESERVED_NAMES.includes(name.toLowerCase())) {
    throw new BadRequestError(
      `The word "${name}" is reserved and can not be used as a node name. Reserved words are: ${RESERVED_NAMES.join(', ')}.`,
    );
  }
  if (name === '.' || name === '..') {
    throw new BadRequestError(
      `Cannot ${verb} node with name '${name}': a URL path cannot address it (clients remove . and .. segments); choose another name.`,
    );
  }
  if (!NAME_RE.test(name) || isUuidLike(name)) {
    throw new BadRequestError(`Cannot ${verb} node with invalid name '${name}': use 1-255 of A-Z a-z 0-9 - . _ ~, not shaped like a UUID.`);
  }
}

export const NODE_CREATE_KEYS = [
  'automated_clean',
  'bios_interface',
  'boot_interface',
  'boot_mode',
  'chassis_uuid',
  'conductor_group',
  'console_enabled',
  'console_interface',
  'deploy_interface',
  'description',
  'disable_power_off',
  'driver',
  'driver_info',
  'extra',
  'firmware_interface',
  'inspect_interface',
  'instance_info',
  'instance_uuid',
  'lessee',
  'management_interface',
  'maintenance',
  'name',
  'network_data',
  'network_interface',
  'owner',
  'parent_node',
  'power_interface',
  'properties',
  'raid_interface',
  'rescue_interface',
  'resource_class',
  'retired',
  'retired_reason',
  'secure_boot',
  'shard',
  'storage_interface',
  'uuid',
  'vendor_interface',
];

export const NODE_PATCH_KEYS = [
  'automated_clean',
  'bios_interface',
  'boot_interface',
  'chassis_uuid',
  'conductor_group',
  'console_interface',
  'deploy_interface',
  'description',
  'disable_power_off',
  'driver',
  'driver_info',
  'extra',
  'firmware_interface',
  'inspect_interface',
  'instance_info',
  'instance_uuid',
  'lessee',
  'maintenance',
  'management_interface',
  'name',
  'network_data',
  'network_interface',
  'owner',
  'parent_node',
  'power_interface',
  'properties',
  'protected',
  'protected_reason',
  'raid_interface',
  'rescue_interface',
  'resource_class',
  'retired',
  'retired_reason',
  'shard',
  'storage_interface',
  'vendor_interface',
];

/** Database columns for a node, with driver_info still in the clear (the caller seals it). */
export interface NodeColumns {
  name: string | null;
  driver: string;
  driverInfo: Json;
  properties: Json;
  instanceInfo: Json;
  extra: Json;
  interfaces: Json;
  instanceUuid: string | null;
  maintenance: boolean;
  resourceClass: string | null;
  conductorGroup: string;
  owner: string | null;
  lessee: string | null;
  description: string | null;
  automatedClean: boolean | null;
  protected: boolean;
  protectedReason: string | null;
  retired: boolean;
  retiredReason: string | null;
  shard: string | null;
  /** As sent (a UUID or name); the service resolves it to the parent's UUID. */
  parentNode: string | null;
  disablePowerOff: boolean;
  /** The chassis the node is in (the service checks it exists) */
  chassisUuid: string | null;
}

export function nodeColumns(doc: Json, verb: 'create' | 'update'): NodeColumns {
  if (typeof doc.driver !== 'string' || doc.driver === '') {
    throw new BadRequestError(
      `Schema error for node: 'driver' is a required property (a string). Known drivers: ${HARDWARE_TYPES.map((h) => h.name).join(', ')}.`,
    );
  }
  const hw = findHardwareType(doc.driver);
  if (!hw) {
    throw new BadRequestError(
      `No valid host was found. Reason: No conductor service registered which supports driver ${doc.driver} for conductor group "${String(doc.conductor_group ?? '')}". Known drivers: ${HARDWARE_TYPES.map((h) => h.name).join(', ')}.`,
    );
  }
  const interfaces: Json = {};
  for (const t of INTERFACE_TYPES) {
    const v = doc[`${t}_interface`];
    if (v === undefined || v === null || v === hw.defaults[t]) continue;
    if (typeof v !== 'string' || !hw.enabled[t].includes(v)) {
      throw new BadRequestError(
        `Could not find the following interface in the 'ironic.hardware.interfaces.${t}' entrypoint: ${String(v)}. Valid interfaces are [${hw.enabled[t].map((i) => `'${i}'`).join(', ')}].${t === 'storage' ? STORAGE_HINT : ''}`,
      );
    }
    interfaces[t] = v;
  }
  const networkData = doc.network_data === undefined || doc.network_data === null ? {} : readObject(doc.network_data, 'network_data');
  if (Object.keys(networkData).length) interfaces.network_data = networkData;

  const name = readOptString(doc.name, 'name') ?? null;
  if (name !== null) checkNodeName(name, verb);
  const instanceUuid = doc.instance_uuid === undefined || doc.instance_uuid === null ? null : String(doc.instance_uuid);
  if (instanceUuid !== null && !isUuidLike(instanceUuid)) throw new BadRequestError(`Expected UUID for instance_uuid: ${instanceUuid}`);
  if (doc.console_enabled !== undefined && doc.console_enabled !== null && readBool(doc.console_enabled, 'console_enabled')) {
    throw new BadRequestError('Driver ipmi does not support console (disabled or not implemented): console_enabled must be false.');
  }
  const conductorGroup = readOptString(doc.conductor_group, 'conductor_group') ?? '';
  if (!GROUP_RE.test(conductorGroup)) {
    throw new BadRequestError(`Invalid conductor_group '${conductorGroup}': use letters, digits, _ - . and : only.`);
  }
  const driverInfo = doc.driver_info === undefined || doc.driver_info === null ? {} : readObject(doc.driver_info, 'driver_info');
  const problems = driverInfoProblems({ driver: hw.name, interfaces, driverInfo }, { allowMissing: true });
  if (problems.length) throw new BadRequestError(problems.join(' '));
  const obj = (k: string): Json => (doc[k] === undefined || doc[k] === null ? {} : readObject(doc[k], k));
  const bootProblems = bootModeProblems({ properties: obj('properties'), instanceInfo: obj('instance_info') });
  if (bootProblems.length) throw new BadRequestError(bootProblems.join(' '));
  const hintProblems = rootDeviceProblems(obj('properties'));
  if (hintProblems.length) throw new BadRequestError(hintProblems.join(' '));
  return {
    name,
    driver: hw.name,
    driverInfo,
    properties: obj('properties'),
    instanceInfo: obj('instance_info'),
    extra: obj('extra'),
    interfaces,
    instanceUuid: instanceUuid === null ? null : normalizeUuid(instanceUuid),
    maintenance: readOptBool(doc.maintenance, 'maintenance') ?? false,
    resourceClass: readOptString(doc.resource_class, 'resource_class', 80) ?? null,
    conductorGroup: conductorGroup.toLowerCase(),
    owner: readOptString(doc.owner, 'owner') ?? null,
    lessee: readOptString(doc.lessee, 'lessee') ?? null,
    description: readOptString(doc.description, 'description', 4096) ?? null,
    automatedClean: readOptBool(doc.automated_clean, 'automated_clean') ?? null,
    protected: readOptBool(doc.protected, 'protected') ?? false,
    protectedReason: readOptString(doc.protected_reason, 'protected_reason') ?? null,
    retired: readOptBool(doc.retired, 'retired') ?? false,
    retiredReason: readOptString(doc.retired_reason, 'retired_reason') ?? null,
    shard: readOptString(doc.shard, 'shard') ?? null,
    parentNode: readOptString(doc.parent_node, 'parent_node', 36) ?? null,
    disablePowerOff: readOptBool(doc.disable_power_off, 'disable_power_off') ?? false,
    chassisUuid: doc.chassis_uuid === undefined || doc.chassis_uuid === null ? null : readUuid(doc.chassis_uuid, 'chassis_uuid'),
  };
}
