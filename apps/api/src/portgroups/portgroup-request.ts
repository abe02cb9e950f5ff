// Port group bodies and list queries, read into typed requests (PATCH bodies go
// through common/json-patch.ts, then portgroupColumns again).
import { BadRequestError, NotAcceptableError } from '../common/errors';
import type { PatchOp } from '../common/json-patch';
import { formatVersion } from '../common/microversion';
import {
  isUuidLike,
  readBool,
  readMac,
  readObject,
  readOptString,
  readString,
  readUuid,
  rejectUnknownKeys,
  requireObjectBody,
  type Json,
} from '../common/input';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';
import { PORTGROUP_FIELD_VERSIONS, PORTGROUP_FIELDS } from './portgroup-view';

const NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;

/** Linux bonding modes (Documentation/networking/bonding), by name or number, as Ironic documents `mode`. */
export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'];
export const DEFAULT_MODE = 'active-backup';

export const PORTGROUP_CREATE_KEYS = ['uuid', 'name', 'address', 'node_uuid', 'standalone_ports_supported', 'extra', 'mode', 'properties'];
export const PORTGROUP_PATCH_KEYS = ['address', 'name', 'node_uuid', 'standalone_ports_supported', 'extra', 'mode', 'properties'];

export interface PortgroupColumns {
  name: string | null;
  /** lower case, or null: a group need not have a MAC of its own */
  address: string | null;
  nodeUuid: string;
  standalonePortsSupported: boolean;
  mode: string;
  properties: Json;
  extra: Json;
}

function tooNew(field: string, minor: number, how: string): NotAcceptableError {
  return new NotAcceptableError(
    `Port group field "${field}" ${how} requires API version ${formatVersion(PORTGROUP_FIELD_VERSIONS[field])} or later; this request was made at ${formatVersion(minor)}.`,
  );
}

function readMode(v: unknown): string {
  const mode = readString(v, 'mode');
  if (BOND_MODES.includes(mode) || /^[0-6]$/.test(mode)) return mode;
  throw new BadRequestError(`Invalid mode '${mode}' for a port group: use a Linux bonding mode, one of ${BOND_MODES.join(', ')} (or 0-6).`);
}

/** The columns of a port group document (create, and PATCH after the patch is applied). */
export function portgroupColumns(doc: Json): PortgroupColumns {
  if (doc.node_uuid === undefined || doc.node_uuid === null)
    throw new BadRequestError("Schema error for portgroup: 'node_uuid' is a required property.");
  const name = readOptString(doc.name, 'name') ?? null;
  if (name !== null && (!NAME_RE.test(name) || isUuidLike(name)))
    throw new BadRequestError(
      `Cannot use invalid name '${name}' for a port group: use 1-255 of A-Z a-z 0-9 - . _ ~, not shaped like a UUID.`,
    );
  const obj = (k: string): Json => (doc[k] === undefined || doc[k] === null ? {} : readObject(doc[k], k));
  return {
    name,
    address: doc.address === undefined || doc.address === null ? null : readMac(doc.address),
    nodeUuid: readUuid(doc.node_uuid, 'node_uuid'),
    standalonePortsSupported:
      doc.standalone_ports_supported === undefined || doc.standalone_ports_supported === null
        ? true
        : readBool(doc.standalone_ports_supported, 'standalone_ports_supported'),
    mode: doc.mode === undefined || doc.mode === null ? DEFAULT_MODE : readMode(doc.mode),
    properties: obj('properties'),
    extra: obj('extra'),
  };
}

export interface PortgroupCreateRequest {
  uuid?: string;
  columns: PortgroupColumns;
}

export function parsePortgroupCreate(body: unknown, minor: number): PortgroupCreateRequest {
  const doc = requireObjectBody(body, 'portgroup');
  rejectUnknownKeys(doc, PORTGROUP_CREATE_KEYS, 'portgroup');
  for (const f of Object.keys(PORTGROUP_FIELD_VERSIONS))
    if (doc[f] !== undefined && doc[f] !== null && minor < PORTGROUP_FIELD_VERSIONS[f]) throw tooNew(f, minor, 'on create');
  const uuid = doc.uuid === undefined || doc.uuid === null ? undefined : readUuid(doc.uuid, 'uuid');
  return { uuid, columns: portgroupColumns(doc) };
}

export function rejectNewerPortgroupPatch(ops: readonly PatchOp[], minor: number): void {
  for (const op of ops) {
    const f = op.path.split('/')[1] ?? '';
    if (minor < (PORTGROUP_FIELD_VERSIONS[f] ?? 0)) throw tooNew(f, minor, 'in a PATCH');
  }
}

export function checkPortgroupFieldsAllowed(fields: readonly string[] | undefined, minor: number): void {
  for (const f of fields ?? []) if (minor < (PORTGROUP_FIELD_VERSIONS[f] ?? 0)) throw tooNew(f, minor, 'in ?fields=');
}

export const PORTGROUP_SORTABLE: Record<string, string> = {
  id: 'id',
  uuid: 'uuid',
  name: 'name',
  address: 'address',
  mode: 'mode',
  standalone_ports_supported: 'standalonePortsSupported',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
};
const QUERY_KEYS = ['node', 'address', 'limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'];

export interface PortgroupListQuery {
  /** The node whose groups are wanted (UUID or name), from ?node= or the path. */
  node?: string;
  address?: string;
  detail: boolean;
  fields?: string[];
  limit: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  marker?: string;
  /** The query values carried into the `next` link. */
  carry: Record<string, string>;
}

export function parsePortgroupList(
  q: Record<string, unknown>,
  opts: { maxLimit: number; detailPath: boolean; apiMinor: number; nodeIdent?: string },
): PortgroupListQuery {
  const unknown = Object.keys(q).filter((k) => !QUERY_KEYS.includes(k));
  if (unknown.length)
    throw new BadRequestError(
      `Unknown query parameter(s): ${unknown.join(', ')}. Filters: node, address; paging: ${QUERY_KEYS.slice(2).join(', ')}.`,
    );
  const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
  const carry: Record<string, string> = {};
  const nodeParam = s('node');
  if (nodeParam !== undefined) carry.node = nodeParam;
  const addressText = s('address');
  if (addressText !== undefined) carry.address = addressText;
  const detail = opts.detailPath || s('detail')?.toLowerCase() === 'true';
  const fields = parseFields(s('fields'), PORTGROUP_FIELDS);
  if (fields && detail) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
  checkPortgroupFieldsAllowed(fields, opts.apiMinor);
  if (fields) carry.fields = fields.join(',');
  const sortKey = s('sort_key') ?? 'id';
  if (!PORTGROUP_SORTABLE[sortKey])
    throw new BadRequestError(
      `The sort_key value ${sortKey} is an invalid field for sorting. Sortable: ${Object.keys(PORTGROUP_SORTABLE).join(', ')}.`,
    );
  const marker = s('marker') === undefined ? undefined : readUuid(s('marker'), 'marker');
  return {
    node: opts.nodeIdent ?? nodeParam,
    address: addressText === undefined ? undefined : readMac(addressText),
    detail,
    fields,
    limit: parseLimit(s('limit'), opts.maxLimit),
    sortKey,
    sortDir: parseSortDir(s('sort_dir')),
    marker,
    carry,
  };
}
