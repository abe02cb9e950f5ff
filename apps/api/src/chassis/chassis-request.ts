// Chassis bodies and list queries, read into typed requests (PATCH bodies go through
// common/json-patch.ts, then chassisColumns again).
import { BadRequestError } from '../common/errors';
import { readObject, readOptString, readUuid, rejectUnknownKeys, requireObjectBody, type Json } from '../common/input';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';
import { CHASSIS_FIELDS } from './chassis-view';

export const CHASSIS_CREATE_KEYS = ['uuid', 'description', 'extra'];
export const CHASSIS_PATCH_KEYS = ['description', 'extra'];

export interface ChassisColumns {
  description: string | null;
  extra: Json;
}

export function chassisColumns(doc: Json): ChassisColumns {
  return {
    description: readOptString(doc.description, 'description', 255) ?? null,
    extra: doc.extra === undefined || doc.extra === null ? {} : readObject(doc.extra, 'extra'),
  };
}

export function parseChassisCreate(body: unknown): { uuid?: string; columns: ChassisColumns } {
  const doc = requireObjectBody(body, 'chassis');
  rejectUnknownKeys(doc, CHASSIS_CREATE_KEYS, 'chassis');
  const uuid = doc.uuid === undefined || doc.uuid === null ? undefined : readUuid(doc.uuid, 'uuid');
  return { uuid, columns: chassisColumns(doc) };
}

export const CHASSIS_SORTABLE: Record<string, string> = {
  id: 'id',
  uuid: 'uuid',
  description: 'description',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
};
const QUERY_KEYS = ['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail'];

export interface ChassisListQuery {
  detail: boolean;
  fields?: string[];
  limit: number;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  marker?: string;
}

export function parseChassisList(q: Record<string, unknown>, opts: { maxLimit: number; detailPath: boolean }): ChassisListQuery {
  const unknown = Object.keys(q).filter((k) => !QUERY_KEYS.includes(k));
  if (unknown.length)
    throw new BadRequestError(`Unknown query parameter(s): ${unknown.join(', ')}. Chassis lists take ${QUERY_KEYS.join(', ')}.`);
  const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : undefined);
  const detail = opts.detailPath || s('detail')?.toLowerCase() === 'true';
  const fields = parseFields(s('fields'), CHASSIS_FIELDS);
  if (fields && detail) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
  const sortKey = s('sort_key') ?? 'id';
  if (!CHASSIS_SORTABLE[sortKey])
    throw new BadRequestError(
      `The sort_key value ${sortKey} is an invalid field for sorting. Sortable: ${Object.keys(CHASSIS_SORTABLE).join(', ')}.`,
    );
  return {
    detail,
    fields,
    limit: parseLimit(s('limit'), opts.maxLimit),
    sortKey,
    sortDir: parseSortDir(s('sort_dir')),
    marker: s('marker') === undefined ? undefined : readUuid(s('marker'), 'marker'),
  };
}
