// Reads the query of GET /v1/nodes[/detail]: filters, fields, sorting and paging.
import { BadRequestError } from '../common/errors';
import { isUuidLike, normalizeUuid, readBool, readPositiveInt, readUuid } from '../common/input';
import { isProvisionState } from '#workflows/contracts/states';
import { NODE_FIELDS } from './node-view';
import { checkFieldsAllowed } from './node-versions';
import { formatVersion } from '../common/microversion';
import { NotAcceptableError } from '../common/errors';

export const SORTABLE: Record<string, string> = {
  id: 'id',
  uuid: 'uuid',
  name: 'name',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  driver: 'driver',
  provision_state: 'provisionState',
  target_provision_state: 'targetProvisionState',
  power_state: 'powerState',
  maintenance: 'maintenance',
  resource_class: 'resourceClass',
  conductor_group: 'conductorGroup',
  owner: 'owner',
  lessee: 'lessee',
  instance_uuid: 'instanceUuid',
  provision_updated_at: 'provisionUpdatedAt',
  description: 'description',
  retired: 'retired',
  protected: 'protected',
};
const UNSORTABLE = [
  'properties',
  'driver_info',
  'extra',
  'instance_info',
  'driver_internal_info',
  'clean_step',
  'deploy_step',
  'raid_config',
  'target_raid_config',
  'traits',
  'network_data',
];

const FILTERS = [
  'associated',
  'maintenance',
  'retired',
  'provision_state',
  'driver',
  'resource_class',
  'fault',
  'conductor_group',
  'conductor',
  'chassis_uuid',
  'owner',
  'lessee',
  'project',
  'description_contains',
  'instance_uuid',
  'shard',
  'sharded',
  'parent_node',
  'include_children',
];
/** Filters newer than 1.1, with the version that introduced them (406 below it). */
const FILTER_VERSIONS: Record<string, number> = { lessee: 65, shard: 82, sharded: 82, parent_node: 83, include_children: 83 };
const PAGING = ['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'];

export interface NodeListQuery {
  where: Record<string, unknown>;
  /** Query parameters to carry into the `next` link. */
  carry: Record<string, string>;
  limit: number;
  marker?: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  fields?: string[];
  detail: boolean;
  /** `?detail=` as sent, carried into the `next` link. */
  detailText?: string;
}

function one(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`Give ${name} once, as a single value.`);
  return v;
}

export function parseFields(text: string | undefined, known: readonly string[]): string[] | undefined {
  if (text === undefined) return undefined;
  const fields = text
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const bad = fields.filter((f) => !known.includes(f));
  if (bad.length) throw new BadRequestError(`Field(s) "${bad.join(', ')}" are not valid. Valid fields: ${known.join(', ')}.`);
  return fields;
}

export function parseLimit(text: string | undefined, maxLimit: number): number {
  if (text === undefined) return maxLimit;
  const n = readPositiveInt(text, 'limit');
  if (n <= 0) throw new BadRequestError('Limit must be positive');
  return Math.min(n, maxLimit);
}

export function parseSortDir(text: string | undefined): 'asc' | 'desc' {
  const d = text ?? 'asc';
  if (d !== 'asc' && d !== 'desc') throw new BadRequestError(`Invalid sort direction: ${d}. Acceptable values are 'asc' or 'desc'`);
  return d;
}

export function parseNodeListQuery(
  q: Record<string, unknown>,
  opts: { maxLimit: number; detailPath: boolean; apiMinor: number },
): NodeListQuery {
  const unknown = Object.keys(q).filter((k) => !FILTERS.includes(k) && !PAGING.includes(k));
  if (unknown.length) throw new BadRequestError(`Unknown query parameter(s): ${unknown.join(', ')}. Filters: ${FILTERS.join(', ')}.`);
  const s = (k: string) => one(q[k], k);
  const where: Record<string, unknown> = {};
  const carry: Record<string, string> = {};
  const detailParam = s('detail');
  const detail = opts.detailPath || (detailParam !== undefined && readBool(detailParam, 'detail'));
  const fields = parseFields(s('fields'), NODE_FIELDS);
  if (fields && detail) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
  checkFieldsAllowed(fields, opts.apiMinor);
  for (const [k, need] of Object.entries(FILTER_VERSIONS)) {
    if (q[k] !== undefined && opts.apiMinor < need)
      throw new NotAcceptableError(
        `The ${k} filter requires API version ${formatVersion(need)} or later; this request was made at ${formatVersion(opts.apiMinor)}.`,
      );
  }
  const shard = s('shard');
  if (shard !== undefined) {
    const names = shard
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (!names.length) throw new BadRequestError('The shard filter needs at least one shard name, e.g. ?shard=rack1,rack2.');
    where.shard = { in: names };
    carry.shard = shard;
  }
  const sharded = s('sharded');
  if (sharded !== undefined) {
    const b = readBool(sharded, 'sharded');
    if (shard === undefined) where.shard = b ? { not: null } : null;
    carry.sharded = String(b);
  }
  const parent = s('parent_node');
  const includeChildren = s('include_children');
  const withChildren = includeChildren !== undefined && readBool(includeChildren, 'include_children');
  if (includeChildren !== undefined) carry.include_children = String(withChildren);
  if (parent !== undefined) {
    if (!isUuidLike(parent)) throw new BadRequestError(`Expected UUID for parent_node: ${parent} (filter by the parent node's UUID).`);
    where.parentNode = normalizeUuid(parent);
    carry.parent_node = parent;
  } else if (!withChildren) {
    where.parentNode = null; // as Ironic: child nodes are listed only when asked for
  }

  for (const k of ['associated', 'maintenance', 'retired'] as const) {
    const v = s(k);
    if (v === undefined) continue;
    const b = readBool(v, k);
    if (k === 'associated') where.instanceUuid = b ? { not: null } : null;
    else where[k] = b;
    carry[k] = String(b);
  }
  const ps = s('provision_state');
  if (ps !== undefined) {
    if (!isProvisionState(ps)) throw new BadRequestError(`Provision state "${ps}" is not valid`);
    where.provisionState = ps;
  }
  const eq: Record<string, string> = {
    driver: 'driver',
    resource_class: 'resourceClass',
    fault: 'fault',
    conductor_group: 'conductorGroup',
    owner: 'owner',
    lessee: 'lessee',
  };
  for (const [param, col] of Object.entries(eq)) {
    const v = s(param);
    if (v !== undefined) where[col] = param === 'conductor_group' ? v.toLowerCase() : v;
  }
  const iu = s('instance_uuid');
  if (iu !== undefined) where.instanceUuid = readUuid(iu, 'instance_uuid');
  const project = s('project');
  if (project !== undefined) where.OR = [{ owner: project }, { lessee: project }];
  const dc = s('description_contains');
  if (dc !== undefined) where.description = { contains: dc };
  const chassis = s('chassis_uuid');
  if (chassis !== undefined) {
    where.chassisUuid = readUuid(chassis, 'chassis_uuid');
    carry.chassis_uuid = chassis;
  }
  for (const k of [
    'provision_state',
    'driver',
    'resource_class',
    'fault',
    'conductor_group',
    'owner',
    'lessee',
    'project',
    'description_contains',
    'instance_uuid',
    'conductor',
  ]) {
    const v = s(k);
    if (v !== undefined) carry[k] = v;
  }

  const sortKey = s('sort_key') ?? 'id';
  if (UNSORTABLE.includes(sortKey)) throw new BadRequestError(`The sort_key value ${sortKey} is an invalid field for sorting`);
  if (!SORTABLE[sortKey])
    throw new BadRequestError(
      `The sort_key value ${sortKey} is an invalid field for sorting. Sortable: ${Object.keys(SORTABLE).join(', ')}.`,
    );
  const sortDir = parseSortDir(s('sort_dir'));
  const markerText = s('marker');
  const marker = markerText === undefined ? undefined : readUuid(markerText, 'marker');
  return { where, carry, limit: parseLimit(s('limit'), opts.maxLimit), marker, sortKey, sortDir, fields, detail, detailText: detailParam };
}
