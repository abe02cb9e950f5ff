// An allocation row as the Ironic v1 API shows it (owner from 1.60).
import type { Allocation } from '#prisma/generated/sqlite/client';
import { links } from '../common/links';
import { isoTime, parseJson } from '../nodes/node-view';

export const ALLOCATION_FIELDS = [
  'uuid',
  'name',
  'node_uuid',
  'state',
  'last_error',
  'resource_class',
  'traits',
  'candidate_nodes',
  'extra',
  'owner',
  'created_at',
  'updated_at',
];

export function allocationView(a: Allocation, base: string, apiMinor: number, fields?: readonly string[]): Record<string, unknown> {
  const full: Record<string, unknown> = {
    uuid: a.uuid,
    name: a.name,
    node_uuid: a.nodeUuid,
    state: a.state,
    last_error: a.lastError,
    resource_class: a.resourceClass,
    traits: JSON.parse(a.traits) as string[],
    candidate_nodes: JSON.parse(a.candidateNodes) as string[],
    extra: parseJson(a.extra),
    owner: a.owner,
    created_at: isoTime(a.createdAt),
    updated_at: isoTime(a.updatedAt),
    links: links(base, 'allocations', a.uuid),
  };
  if (apiMinor < 60) delete full.owner;
  if (!fields) return full;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in full) out[f] = full[f];
  out.links = full.links;
  return out;
}
