// The list query the smaller collections share (deploy templates, volume connectors and
// targets): limit, marker (a UUID), sort_key, sort_dir, fields, detail, and named filters.
// Unknown parameters are a 400 naming the known ones; a page's `next` carries them all on.
import { BadRequestError } from './errors';
import { readBool, readUuid } from './input';
import { parseFields, parseLimit, parseSortDir } from '../nodes/node-list-query';

export interface SimpleListQuery {
  limit: number;
  marker?: string;
  /** Prisma column to order by (id for the default). */
  sortCol: string;
  sortKey: string;
  sortDir: 'asc' | 'desc';
  /** The fields to show: `fields=`, every field with detail, else the list's defaults. */
  show: readonly string[];
  /** Filter values by parameter name. */
  filters: Record<string, string>;
  /** What a next page's link repeats. */
  carry: Record<string, string>;
}

export interface SimpleListSpec {
  filters: readonly string[];
  fields: readonly string[];
  listFields: readonly string[];
  /** sort_key -> Prisma column. */
  sortable: Readonly<Record<string, string>>;
  maxLimit: number;
}

export function parseSimpleList(q: Record<string, unknown>, spec: SimpleListSpec): SimpleListQuery {
  const known = ['limit', 'marker', 'sort_key', 'sort_dir', 'fields', 'detail', ...spec.filters];
  const unknown = Object.keys(q).filter((k) => !known.includes(k));
  if (unknown.length) throw new BadRequestError(`Unknown query parameter(s): ${unknown.join(', ')}. Known: ${known.join(', ')}.`);
  const s = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new BadRequestError(`Give ${k} once, as a single value.`);
    return v;
  };
  const carry: Record<string, string> = {};
  const filters: Record<string, string> = {};
  for (const f of spec.filters) {
    const v = s(f);
    if (v !== undefined) filters[f] = carry[f] = v;
  }
  const detailText = s('detail');
  const detail = detailText === undefined ? false : readBool(detailText, 'detail');
  const fields = parseFields(s('fields'), spec.fields);
  if (detail && fields) throw new BadRequestError('Can not specify ?detail=True and fields in the same request.');
  if (detail) carry.detail = 'True';
  if (fields) carry.fields = fields.join(',');
  const sortKey = s('sort_key') ?? 'id';
  const sortCol = sortKey === 'id' ? 'id' : spec.sortable[sortKey];
  if (!sortCol)
    throw new BadRequestError(
      `The sort_key value "${sortKey}" is an invalid field for sorting. Sortable: ${Object.keys(spec.sortable).join(', ')}.`,
    );
  const markerText = s('marker');
  return {
    limit: parseLimit(s('limit'), spec.maxLimit),
    marker: markerText === undefined ? undefined : readUuid(markerText, 'marker'),
    sortCol,
    sortKey,
    sortDir: parseSortDir(s('sort_dir')),
    show: fields ?? (detail ? spec.fields : spec.listFields),
    filters,
    carry,
  };
}

/** A page of rows: `next` (the query of the following page) when the page is full. */
export function pageOf<R extends { uuid: string }>(
  rows: R[],
  q: SimpleListQuery,
  view: (r: R) => Record<string, unknown>,
): { items: Record<string, unknown>[]; next?: Record<string, string> } {
  const items = rows.map(view);
  if (rows.length < q.limit || rows.length === 0) return { items };
  return {
    items,
    next: { ...q.carry, limit: String(q.limit), sort_key: q.sortKey, sort_dir: q.sortDir, marker: rows[rows.length - 1].uuid },
  };
}

/** Prisma's findMany arguments for a page. */
export function pageArgs(q: SimpleListQuery): {
  orderBy: Record<string, 'asc' | 'desc'>[];
  take: number;
  cursor?: { uuid: string };
  skip?: number;
} {
  return {
    orderBy: q.sortCol === 'id' ? [{ id: q.sortDir }] : [{ [q.sortCol]: q.sortDir }, { id: q.sortDir }],
    take: q.limit,
    ...(q.marker ? { cursor: { uuid: q.marker }, skip: 1 } : {}),
  };
}

/** Picks the shown fields of a full view (links always). */
export function pick(all: Record<string, unknown>, show: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of show) out[f] = all[f];
  out.links = all.links;
  return out;
}
