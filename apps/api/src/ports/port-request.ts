// Port bodies and list queries, read into typed requests. (PATCH bodies are
// read by common/json-patch.ts's parsePatch.)
import { BadRequestError, ForbiddenError, NotAcceptableError } from '../common/errors';
import type { PatchOp } from '../common/json-patch';
import { formatVersion } from '../common/microversion';
import { readMac, readUuid, rejectUnknownKeys, requireObjectBody } from '../common/input';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';
import { PORT_CREATE_KEYS, portColumns, type PortColumns } from './port-fields';
import { PORT_FIELD_VERSIONS, PORT_FIELDS } from './port-view';

export interface PortCreateRequest {
  /** The uuid asked for, normalised; absent: the service makes one. */
  uuid?: string;
  columns: PortColumns;
}

/** Port fields and create keys newer than 1.1, with the version that added each: 406 below it. */
const PORT_WRITE_VERSIONS: Record<string, number> = { ...PORT_FIELD_VERSIONS, node_ident: 94 };

function tooNew(field: string, minor: number, how: string): NotAcceptableError {
  const need = PORT_WRITE_VERSIONS[field];
  return new NotAcceptableError(
    `Port field "${field}" ${how} requires API version ${formatVersion(need)} or later; this request was made at ${formatVersion(minor)}.`,
  );
}

export function checkPortFieldsAllowed(fields: readonly string[] | undefined, minor: number): void {
  for (const f of fields ?? []) if (minor < (PORT_FIELD_VERSIONS[f] ?? 0)) throw tooNew(f, minor, 'in ?fields=');
}

export function rejectNewerPortPatch(ops: readonly PatchOp[], minor: number): void {
  for (const op of ops) {
    const f = op.path.split('/')[1] ?? '';
    if (op.op !== 'remove' && minor < (PORT_WRITE_VERSIONS[f] ?? 0)) throw tooNew(f, minor, 'in a PATCH');
  }
}

export function parsePortCreate(body: unknown, minor: number): PortCreateRequest {
  const doc = requireObjectBody(body, 'port');
  rejectUnknownKeys(doc, PORT_CREATE_KEYS, 'port');
  for (const [f, need] of Object.entries(PORT_WRITE_VERSIONS))
    if (doc[f] !== undefined && doc[f] !== null && minor < need) throw tooNew(f, minor, 'on create');
  const uuid = doc.uuid === undefined ? undefined : readUuid(doc.uuid, 'uuid');
  return { uuid, columns: portColumns(doc) };
}

export const PORT_SORTABLE: Record<string, string> = {
  id: 'id',
  uuid: 'uuid',
  address: 'address',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
  pxe_enabled: 'pxeEnabled',
};
const PORT_QUERY_KEYS = [
  'node',
  'node_uuid',
  'address',
  'portgroup',
  'shard',
  'limit',
  'marker',
  'sort_key',
  'sort_dir',
  'fields',
  'detail',
];

/** A query value given once; one given twice is ignored, as it always was. */
function one(q: Record<string, unknown>, k: string): string | undefined {
  return typeof q[k] === 'string' ? (q[k] as string) : undefined;
}

/**
 * Which ports a list asks for, read before the node it names is looked up
 * (parsePortListPage reads the rest after). `nodeIdent` is the node of the
 * /v1/nodes/{ident}/ports routes.
 */
export interface PortListFilter {
  /** The node whose ports are wanted (UUID or name), if any. */
  node?: string;
  /** The ?node= and ?node_uuid= values as sent, carried into the `next` link. */
  nodeParam?: string;
  nodeUuidParam?: string;
  /** A port group filter was given (?portgroup=, 1.24, or the /v1/portgroups/{id}/ports routes). */
  portgroup: boolean;
  /** The group it names (UUID or name), present only when given; the controller finds it. */
  portgroupIdent?: string;
  /** ?shard= (1.82): ports of nodes in these shards; `shardParam` is carried into the `next` link. */
  shards?: string[];
  shardParam?: string;
}

export function parsePortListFilter(q: Record<string, unknown>, nodeIdent?: string, apiMinor = 1): PortListFilter {
  const unknown = Object.keys(q).filter((k) => !PORT_QUERY_KEYS.includes(k));
  if (unknown.length) throw new BadRequestError(`Unknown query parameter(s): ${unknown.join(', ')}. Filters: node, node_uuid, address.`);
  const nodeParam = one(q, 'node');
  const nodeUuidParam = one(q, 'node_uuid');
  if ((nodeParam || nodeUuidParam) && one(q, 'portgroup')) throw new ForbiddenError('Filter by node or by port group, not both.');
  const out: PortListFilter = {
    node: nodeIdent ?? nodeParam ?? nodeUuidParam,
    nodeParam,
    nodeUuidParam,
    portgroup: one(q, 'portgroup') !== undefined,
  };
  const portgroupIdent = one(q, 'portgroup');
  if (portgroupIdent !== undefined) out.portgroupIdent = portgroupIdent;
  const shardParam = one(q, 'shard');
  if (shardParam === undefined) return out;
  if (apiMinor < 82)
    throw new NotAcceptableError(
      `The shard filter requires API version 1.82 or later; this request was made at ${formatVersion(apiMinor)}.`,
    );
  if (out.node !== undefined || out.portgroup) throw new ForbiddenError('Filter ports by one of node, port group or shard, not several.');
  const shards = shardParam
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!shards.length) throw new BadRequestError('The shard filter needs at least one shard name, e.g. ?shard=rack1,rack2.');
  return { ...out, shards, shardParam };
}

export interface PortListPage {
  /** The MAC to match, lower case. */
  address?: string;
  /** ?address= as sent, carried into the `next` link. */
  addressText?: string;
  detail: boolean;
  fields?: string[];
  limit: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  marker?: string;
}

export function parsePortListPage(q: Record<string, unknown>, opts: { maxLimit: number; detailPath: boolean }): PortListPage {
  const s = (k: string) => one(q, k);
  const addressText = s('address');
  const address = addressText === undefined ? undefined : readMac(addressText);
  const detail = opts.detailPath || s('detail')?.toLowerCase() === 'true';
  const fields = parseFields(s('fields'), PORT_FIELDS);
  if (fields && detail) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
  const limit = parseLimit(s('limit'), opts.maxLimit);
  const sortKey = s('sort_key') ?? 'id';
  if (!PORT_SORTABLE[sortKey])
    throw new BadRequestError(
      `The sort_key value ${sortKey} is an invalid field for sorting. Sortable: ${Object.keys(PORT_SORTABLE).join(', ')}.`,
    );
  const sortDir = parseSortDir(s('sort_dir'));
  const marker = s('marker') === undefined ? undefined : readUuid(s('marker'), 'marker');
  return { address, addressText, detail, fields, limit, sortKey, sortDir, marker };
}
