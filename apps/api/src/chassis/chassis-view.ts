// A chassis row as the Ironic v1 API shows it.
import type { Chassis } from '#prisma/generated/sqlite/client';
import { links } from '../common/links';
import { isoTime, parseJson } from '../nodes/node-view';

export const CHASSIS_FIELDS = ['uuid', 'description', 'extra', 'created_at', 'updated_at'];

export function chassisView(c: Chassis, base: string, fields?: readonly string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    uuid: c.uuid,
    description: c.description,
    extra: parseJson(c.extra),
    created_at: isoTime(c.createdAt),
    updated_at: isoTime(c.updatedAt),
    links: links(base, 'chassis', c.uuid),
    nodes: links(base, 'chassis', `${c.uuid}/nodes`),
  };
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out.links = full.links;
  return out;
}
