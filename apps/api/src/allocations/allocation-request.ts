// Bodies and queries of /v1/allocations read into typed requests: shapes and names
// only. Which nodes the idents name, and whether one can be claimed, the service decides.
import { BadRequestError, NotAcceptableError } from '../common/errors';
import { formatVersion } from '../common/microversion';
import {
  isUuidLike,
  normalizeUuid,
  readObject,
  readOptString,
  readUuid,
  rejectUnknownKeys,
  requireObjectBody,
  type Json,
} from '../common/input';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';
import { checkTraitList } from '../traits/trait-name';
import { ALLOCATION_FIELDS } from './allocation-view';

const NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;
const CREATE_KEYS = ['candidate_nodes', 'extra', 'name', 'node', 'owner', 'resource_class', 'traits', 'uuid'];
export const ALLOCATION_PATCH_KEYS = ['name', 'extra'];

/** Versions that added allocation features (Ironic's MINOR_52/57/58/60). */
export const ALLOCATION_VERSIONS = { allocations: 52, update: 57, backfill: 58, owner: 60 } as const;

export interface AllocationCreateRequest {
  uuid?: string;
  name: string | null;
  resourceClass: string | null;
  traits: string[];
  /** Node idents as sent (UUIDs or names): the service resolves them. */
  candidateNodes: string[];
  extra: Json;
  owner: string | null;
  /** Backfill: the ident of an already-deployed node. */
  node: string | null;
}

function tooOld(what: string, need: number, minor: number): NotAcceptableError {
  return new NotAcceptableError(
    `${what} requires API version ${formatVersion(need)} or later; this request was made at ${formatVersion(minor)}.`,
  );
}

export function checkAllocationName(name: string, verb: 'create' | 'update'): void {
  if (!NAME_RE.test(name) || isUuidLike(name)) {
    throw new BadRequestError(
      `Cannot ${verb} allocation with invalid name '${name}': use 1-255 of A-Z a-z 0-9 - . _ ~, not shaped like a UUID.`,
    );
  }
}

export function parseAllocationCreate(body: unknown, minor: number): AllocationCreateRequest {
  const doc = requireObjectBody(body, 'allocation');
  rejectUnknownKeys(doc, CREATE_KEYS, 'allocation');
  if (doc.owner !== undefined && doc.owner !== null && minor < ALLOCATION_VERSIONS.owner)
    throw tooOld('Allocation owner', ALLOCATION_VERSIONS.owner, minor);
  if (doc.node !== undefined && doc.node !== null && minor < ALLOCATION_VERSIONS.backfill) {
    throw new BadRequestError(
      `Cannot set node when creating an allocation in this API version (${formatVersion(minor)}): backfilling needs ${formatVersion(ALLOCATION_VERSIONS.backfill)} or later.`,
    );
  }
  const name = readOptString(doc.name, 'name') ?? null;
  if (name !== null) checkAllocationName(name, 'create');
  const node = readOptString(doc.node, 'node') ?? null;
  const resourceClass = readOptString(doc.resource_class, 'resource_class', 80) ?? null;
  if (!resourceClass && node === null)
    throw new BadRequestError(
      'The resource_class field is mandatory when not backfilling: give the resource class of the nodes to choose from.',
    );
  const candidates = doc.candidate_nodes ?? [];
  if (!Array.isArray(candidates) || candidates.some((c) => typeof c !== 'string' || c === ''))
    throw new BadRequestError('Invalid candidate_nodes: expected a list of node UUIDs or names.');
  return {
    uuid: doc.uuid === undefined || doc.uuid === null ? undefined : readUuid(doc.uuid, 'uuid'),
    name,
    resourceClass: resourceClass || null,
    traits: doc.traits === undefined || doc.traits === null ? [] : checkTraitList(doc.traits, 'traits'),
    candidateNodes: [...new Set(candidates as string[])],
    extra: doc.extra === undefined || doc.extra === null ? {} : readObject(doc.extra, 'extra'),
    owner: readOptString(doc.owner, 'owner') ?? null,
    node,
  };
}

export const ALLOCATION_STATES = ['allocating', 'active', 'error'] as const;
const SORTABLE: Record<string, string> = {
  id: 'id',
  uuid: 'uuid',
  name: 'name',
  state: 'state',
  resource_class: 'resourceClass',
  node_uuid: 'nodeUuid',
  owner: 'owner',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
};
const LIST_KEYS = ['node', 'resource_class', 'state', 'owner', 'limit', 'marker', 'sort_key', 'sort_dir', 'fields'];

export interface AllocationListQuery {
  where: Record<string, unknown>;
  /** A node ident to resolve (the service turns it into node_uuid). */
  node?: string;
  carry: Record<string, string>;
  limit: number;
  marker?: string;
  sortCol: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  fields?: string[];
}

export function parseAllocationList(q: Record<string, unknown>, opts: { maxLimit: number; apiMinor: number }): AllocationListQuery {
  const unknown = Object.keys(q).filter((k) => !LIST_KEYS.includes(k));
  if (unknown.length) throw new BadRequestError(`Unknown query parameter(s): ${unknown.join(', ')}. Known: ${LIST_KEYS.join(', ')}.`);
  const s = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BadRequestError(`Give ${k} once, as a single value.`);
    return v;
  };
  const where: Record<string, unknown> = {};
  const carry: Record<string, string> = {};
  const state = s('state');
  if (state !== undefined) {
    if (!(ALLOCATION_STATES as readonly string[]).includes(state))
      throw new BadRequestError(`Invalid allocation state '${state}': use one of ${ALLOCATION_STATES.join(', ')}.`);
    where.state = state;
    carry.state = state;
  }
  const rc = s('resource_class');
  if (rc !== undefined) {
    where.resourceClass = rc;
    carry.resource_class = rc;
  }
  const owner = s('owner');
  if (owner !== undefined) {
    if (opts.apiMinor < ALLOCATION_VERSIONS.owner) throw tooOld('The owner filter', ALLOCATION_VERSIONS.owner, opts.apiMinor);
    where.owner = owner;
    carry.owner = owner;
  }
  const node = s('node');
  if (node !== undefined) carry.node = node;
  const fields = parseFields(s('fields'), ALLOCATION_FIELDS);
  if (fields?.includes('owner') && opts.apiMinor < ALLOCATION_VERSIONS.owner)
    throw tooOld('Field "owner"', ALLOCATION_VERSIONS.owner, opts.apiMinor);
  const sortKey = s('sort_key') ?? 'id';
  if (!SORTABLE[sortKey])
    throw new BadRequestError(
      `The sort_key value ${sortKey} is an invalid field for sorting. Sortable: ${Object.keys(SORTABLE).join(', ')}.`,
    );
  const markerText = s('marker');
  return {
    where,
    node,
    carry,
    limit: parseLimit(s('limit'), opts.maxLimit),
    marker: markerText === undefined ? undefined : readUuid(markerText, 'marker'),
    sortCol: SORTABLE[sortKey],
    sortKey,
    sortDir: parseSortDir(s('sort_dir')),
    fields,
  };
}

/** An allocation named in a path: its UUID (normalised) or its name. */
export function allocationIdent(ident: string): { uuid: string } | { name: string } {
  if (isUuidLike(ident)) return { uuid: normalizeUuid(ident) };
  if (NAME_RE.test(ident)) return { name: ident };
  throw new BadRequestError(`Expected UUID or name for allocation: ${ident}`);
}
