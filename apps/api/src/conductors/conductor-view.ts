// A conductor in Ironic's shape (API >= 1.49): the list shows hostname, conductor_group and
// alive; detail and show add drivers, created_at and updated_at.
import { links } from '../common/links';
import type { Conductor } from './conductors.service';

export const CONDUCTOR_FIELDS = ['hostname', 'conductor_group', 'alive', 'drivers', 'created_at', 'updated_at'] as const;
export const CONDUCTOR_LIST_FIELDS = ['hostname', 'conductor_group', 'alive'];

export function conductorView(c: Conductor, base: string, fields: readonly string[] = CONDUCTOR_FIELDS): Record<string, unknown> {
  const all: Record<string, unknown> = {
    hostname: c.hostname,
    conductor_group: c.conductorGroup,
    alive: c.alive,
    drivers: c.drivers,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = all[f];
  out.links = links(base, 'conductors', encodeURIComponent(c.hostname));
  return out;
}
