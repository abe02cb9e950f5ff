// Which microversion introduced each node field (Ironic's VERSIONED_FIELDS): below it a
// field is hidden from responses, refused in `?fields=`, and refused (406) in create and PATCH.
import { NotAcceptableError } from '../common/errors';
import { formatVersion, MAX_VERSION, MIN_VERSION, VERSION_HEADER } from '../common/microversion';
import type { PatchOp } from '../common/json-patch';

const DYNAMIC_INTERFACES = 31;

export const NODE_FIELD_VERSIONS: Readonly<Record<string, number>> = {
  driver_internal_info: 3,
  name: 5,
  inspection_finished_at: 6,
  inspection_started_at: 6,
  clean_step: 7,
  raid_config: 12,
  target_raid_config: 12,
  network_interface: 20,
  resource_class: 21,
  boot_interface: DYNAMIC_INTERFACES,
  console_interface: DYNAMIC_INTERFACES,
  deploy_interface: DYNAMIC_INTERFACES,
  inspect_interface: DYNAMIC_INTERFACES,
  management_interface: DYNAMIC_INTERFACES,
  power_interface: DYNAMIC_INTERFACES,
  raid_interface: DYNAMIC_INTERFACES,
  vendor_interface: DYNAMIC_INTERFACES,
  storage_interface: 33,
  traits: 37,
  rescue_interface: 38,
  bios_interface: 40,
  fault: 42,
  deploy_step: 44,
  conductor_group: 46,
  automated_clean: 47,
  protected: 48,
  protected_reason: 48,
  conductor: 49,
  owner: 50,
  description: 51,
  allocation_uuid: 52,
  retired: 61,
  retired_reason: 61,
  lessee: 65,
  network_data: 66,
  boot_mode: 75,
  secure_boot: 75,
  shard: 82,
  parent_node: 83,
  firmware_interface: 86,
  service_step: 87,
  disable_power_off: 95,
};

const RANGE = `[${formatVersion(MIN_VERSION.minor)}, ${formatVersion(MAX_VERSION.minor)}]`;

function tooNew(field: string, minor: number, how: string): NotAcceptableError {
  const need = NODE_FIELD_VERSIONS[field];
  return new NotAcceptableError(
    `Field "${field}" ${how} requires API version ${formatVersion(need)} or later; this request was made at ${formatVersion(minor)}. Send ${VERSION_HEADER}: ${formatVersion(need)} (or latest); the supported version range is: ${RANGE}.`,
  );
}

export function fieldAllowed(field: string, minor: number): boolean {
  return minor >= (NODE_FIELD_VERSIONS[field] ?? 0);
}

/** Drops the fields the request's version does not know (the view is changed in place and returned). */
export function hideNewerFields(view: Record<string, unknown>, minor: number): Record<string, unknown> {
  for (const f of Object.keys(view)) if (!fieldAllowed(f, minor)) delete view[f];
  return view;
}

/** `?fields=` naming a field newer than the request: 406, as Ironic's check_allowed_fields. */
export function checkFieldsAllowed(fields: readonly string[] | undefined, minor: number): void {
  for (const f of fields ?? []) if (!fieldAllowed(f, minor)) throw tooNew(f, minor, 'in ?fields=');
}

/** A create body setting a field newer than the request: 406 (null, and "" for conductor_group, count as unset). */
export function rejectNewerCreateFields(doc: Record<string, unknown>, minor: number): void {
  for (const [f, v] of Object.entries(doc)) {
    if (fieldAllowed(f, minor) || v === undefined || v === null) continue;
    if (f === 'conductor_group' && v === '') continue;
    throw tooNew(f, minor, 'on create');
  }
}

/** A PATCH adding or replacing a field newer than the request: 406. */
export function rejectNewerPatch(ops: readonly PatchOp[], minor: number): void {
  for (const op of ops) {
    if (op.op === 'remove') continue;
    const field = op.path.split('/')[1] ?? '';
    if (!fieldAllowed(field, minor)) throw tooNew(field, minor, 'in a PATCH');
  }
}
