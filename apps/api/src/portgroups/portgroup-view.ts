// A port group row as the Ironic v1 API shows it.
import type { Portgroup } from '#prisma/generated/sqlite/client';
import { links } from '../common/links';
import { isoTime, parseJson } from '../nodes/node-view';

export const PORTGROUP_FIELDS = [
  'uuid',
  'name',
  'address',
  'node_uuid',
  'standalone_ports_supported',
  'internal_info',
  'extra',
  'mode',
  'properties',
  'created_at',
  'updated_at',
];

/** Port groups exist from 1.23; `mode` and `properties` from 1.26 (hidden below, refused in writes below). */
export const PORTGROUP_VERSIONS = { portgroups: 23, portUuidField: 24, mode: 26, vifs: 28 } as const;
export const PORTGROUP_FIELD_VERSIONS: Readonly<Record<string, number>> = { mode: 26, properties: 26 };

export function portgroupView(
  pg: Portgroup,
  nodeUuid: string,
  base: string,
  apiMinor: number,
  fields?: readonly string[],
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    uuid: pg.uuid,
    name: pg.name,
    address: pg.address,
    node_uuid: nodeUuid,
    standalone_ports_supported: pg.standalonePortsSupported,
    internal_info: parseJson(pg.internalInfo),
    extra: parseJson(pg.extra),
    mode: pg.mode,
    properties: parseJson(pg.properties),
    created_at: isoTime(pg.createdAt),
    updated_at: isoTime(pg.updatedAt),
    links: links(base, 'portgroups', pg.uuid),
    ports: links(base, 'portgroups', `${pg.uuid}/ports`),
  };
  for (const [f, need] of Object.entries(PORTGROUP_FIELD_VERSIONS)) if (apiMinor < need) delete full[f];
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out.links = full.links;
  return out;
}
