// A port row as the Ironic v1 API shows it.
import type { Port } from '#prisma/generated/sqlite/client';
import { links } from '../common/links';
import { isoTime, parseJson } from '../nodes/node-view';

export const PORT_FIELDS = [
  'uuid',
  'name',
  'address',
  'created_at',
  'extra',
  'node_uuid',
  'local_link_connection',
  'portgroup_uuid',
  'pxe_enabled',
  'physical_network',
  'updated_at',
  'internal_info',
  'is_smartnic',
];

/** The port field each microversion added (hidden below it, refused in writes below it). */
export const PORT_FIELD_VERSIONS: Readonly<Record<string, number>> = { portgroup_uuid: 24, name: 88 };

export function portView(
  port: Port,
  nodeUuid: string,
  base: string,
  apiMinor: number,
  fields?: readonly string[],
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    uuid: port.uuid,
    name: port.name,
    created_at: isoTime(port.createdAt),
    updated_at: isoTime(port.updatedAt),
    address: port.address,
    extra: parseJson(port.extra),
    internal_info: parseJson(port.internalInfo),
    is_smartnic: port.isSmartnic,
    local_link_connection: parseJson(port.localLinkConnection),
    physical_network: port.physicalNetwork,
    pxe_enabled: port.pxeEnabled,
    node_uuid: nodeUuid,
    portgroup_uuid: port.portgroupUuid,
    links: links(base, 'ports', port.uuid),
  };
  for (const [f, need] of Object.entries(PORT_FIELD_VERSIONS)) if (apiMinor < need) delete full[f];
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out.links = full.links;
  return out;
}
