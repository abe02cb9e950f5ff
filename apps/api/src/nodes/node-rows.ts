// The node list's rows in one raw query (GET /v1/nodes[/detail] is the hot read path: Prisma's
// query compiler and row mapping cost more than SQLite itself for a page of 1,000 nodes).
// The only raw SQL for nodes: it reads the same where-objects Prisma would (the subset
// node-list-query.ts and access.ts build; anything else throws), keeps Prisma's orderings
// (the database's own NULL order: first ascending on SQLite, last on PostgreSQL) and pages
// after a marker row. It runs through Prisma's driver adapter, so SQLite's connection lock
// (prisma/connection-lock.ts) still holds. The API tests run it on both databases.
import { databaseProvider, type Database, type DatabaseProvider } from '#prisma/database';
import type { Node } from '#prisma/generated/sqlite/client';
import { decodeNode, NODE_COLUMNS as COLUMNS, SELECT_NODE, Sql } from '#prisma/raw-rows';

export type NodeWhere = Record<string, unknown>;

export interface NodeRowsQuery {
  where: NodeWhere;
  /** A Node field to sort by (then by id, the same way). */
  sortField: keyof Node;
  sortDir: 'asc' | 'desc';
  limit: number;
  /** Rows after this node's (its id and whether its sort value is NULL), in the list's order. */
  after?: { id: number; sortIsNull: boolean };
}

function column(field: string): string {
  const col = (COLUMNS as Record<string, string | undefined>)[field];
  if (!col) throw new Error(`node-rows: no column for field ${JSON.stringify(field)}`);
  return `"${col}"`;
}

function fieldCondition(field: string, v: unknown, sql: Sql): string {
  const col = column(field);
  if (v === null) return `${col} IS NULL`;
  if (typeof v === 'boolean') return `${col} = ${sql.bool(v)}`;
  if (typeof v === 'string' || typeof v === 'number') return `${col} = ${sql.param(v)}`;
  const ops = Object.entries(v as Record<string, unknown>);
  if (ops.length === 0) return '1=1';
  return ops
    .map(([op, arg]) => {
      if (op === 'not' && arg === null) return `${col} IS NOT NULL`;
      if (op === 'in' && Array.isArray(arg)) return arg.length ? `${col} IN (${arg.map((a) => sql.param(a)).join(', ')})` : '1=0';
      if (op === 'contains' && typeof arg === 'string') return `${col} LIKE ${sql.param(`%${arg}%`)}`;
      throw new Error(`node-rows: unsupported filter ${field}.${op}`);
    })
    .join(' AND ');
}

/** The SQL condition of a Prisma-style where (AND, OR, equality, null, {not: null}, {in}, {contains}). */
function whereSql(where: NodeWhere, sql: Sql): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(where)) {
    if (v === undefined) continue;
    if (k === 'AND') parts.push(...(v as NodeWhere[]).map((w) => `(${whereSql(w, sql)})`));
    else if (k === 'OR') {
      const ors = v as NodeWhere[];
      parts.push(ors.length ? `(${ors.map((w) => `(${whereSql(w, sql)})`).join(' OR ')})` : '1=0');
    } else parts.push(fieldCondition(k, v, sql));
  }
  return parts.length ? parts.join(' AND ') : '1=1';
}

/**
 * Rows strictly after the marker in the order (sort column dir, id dir), with NULL sort values
 * where the database orders them: first ascending on SQLite and last on PostgreSQL (the other
 * way round descending).
 */
function afterSql(q: NodeRowsQuery, sql: Sql): string {
  const after = q.after!;
  // A fresh placeholder at each use: SQLite's `?` are positional.
  const id = (): string => sql.param(after.id);
  const beyond = q.sortDir === 'asc' ? '>' : '<';
  if (q.sortField === 'id') return `"id" ${beyond} ${id()}`;
  const col = column(q.sortField);
  const nullsFirst = (sql.provider === 'sqlite') === (q.sortDir === 'asc');
  if (after.sortIsNull) {
    const sameNull = `(${col} IS NULL AND "id" ${beyond} ${id()})`;
    return nullsFirst ? `(${sameNull} OR ${col} IS NOT NULL)` : sameNull;
  }
  const later = `(${col} ${beyond} (SELECT ${col} FROM "nodes" WHERE "id" = ${id()}) OR (${col} = (SELECT ${col} FROM "nodes" WHERE "id" = ${id()}) AND "id" ${beyond} ${id()}))`;
  return nullsFirst ? later : `(${later} OR ${col} IS NULL)`;
}

/** The query selectNodeRows runs (pure, for its tests). */
export function nodeRowsSql(provider: DatabaseProvider, q: NodeRowsQuery): { text: string; params: unknown[] } {
  const sql = new Sql(provider);
  const conditions = [whereSql(q.where, sql)];
  if (q.after) conditions.push(afterSql(q, sql));
  const dir = q.sortDir === 'asc' ? 'ASC' : 'DESC';
  const order = q.sortField === 'id' ? `"id" ${dir}` : `${column(q.sortField)} ${dir}, "id" ${dir}`;
  if (!Number.isInteger(q.limit) || q.limit <= 0) throw new Error(`node-rows: bad limit ${q.limit}`);
  const text = `SELECT ${SELECT_NODE} FROM "nodes" WHERE ${conditions.join(' AND ')} ORDER BY ${order} LIMIT ${q.limit}`;
  return { text, params: sql.params };
}

/** A page of node rows, every column, in one query. */
export async function selectNodeRows(db: Database, q: NodeRowsQuery): Promise<Node[]> {
  const { text, params } = nodeRowsSql(databaseProvider(db), q);
  const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(text, ...params);
  return rows.map(decodeNode);
}

/** The marker node (by UUID, within `where`) as NodeRowsQuery.after wants it, or undefined if it is not there. */
export async function findMarker(
  db: Database,
  uuid: string,
  where: NodeWhere,
  sortField: keyof Node,
): Promise<NodeRowsQuery['after'] | undefined> {
  const sql = new Sql(databaseProvider(db));
  const text = `SELECT "id", CASE WHEN ${column(sortField)} IS NULL THEN 1 ELSE 0 END AS "sortIsNull" FROM "nodes" WHERE "uuid" = ${sql.param(uuid)} AND ${whereSql(where, sql)}`;
  const rows = await db.$queryRawUnsafe<{ id: unknown; sortIsNull: unknown }[]>(text, ...sql.params);
  if (!rows.length) return undefined;
  return { id: Number(rows[0].id), sortIsNull: Number(rows[0].sortIsNull) === 1 };
}
