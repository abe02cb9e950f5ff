// Rows by plain SQL, for the two hot paths where Prisma's query compiler and row mapping cost
// more than the database (the node list, enrollment): each model's columns (its @map names; a
// new field fails to compile until it is added here), rows decoded the way Prisma decodes
// them (booleans, Dates, numbers), and INSERTs in one batch transaction. Everything runs
// through Prisma's driver adapter, so SQLite's connection lock (connection-lock.ts) holds.
// Tested against Prisma on SQLite and PostgreSQL (test/db/node-rows.test.ts, raw-rows.test.ts).
import { databaseProvider, type Database, type DatabaseProvider } from './database';
import type { HistoryEvent, Node, Port } from './generated/sqlite/client';

type Columns<T> = Readonly<Record<keyof T, string>>;

/** Each Node field's column (the schema's @map names); a new field fails to compile until it is added here. */
export const NODE_COLUMNS: Readonly<Record<keyof Node, string>> = {
  id: 'id',
  uuid: 'uuid',
  name: 'name',
  driver: 'driver',
  driverInfo: 'driver_info',
  driverInternalInfo: 'driver_internal_info',
  properties: 'properties',
  instanceInfo: 'instance_info',
  extra: 'extra',
  interfaces: 'interfaces',
  instanceUuid: 'instance_uuid',
  provisionState: 'provision_state',
  targetProvisionState: 'target_provision_state',
  powerState: 'power_state',
  targetPowerState: 'target_power_state',
  maintenance: 'maintenance',
  maintenanceReason: 'maintenance_reason',
  fault: 'fault',
  lastError: 'last_error',
  resourceClass: 'resource_class',
  conductorGroup: 'conductor_group',
  owner: 'owner',
  lessee: 'lessee',
  description: 'description',
  automatedClean: 'automated_clean',
  protected: 'protected',
  protectedReason: 'protected_reason',
  retired: 'retired',
  retiredReason: 'retired_reason',
  shard: 'shard',
  parentNode: 'parent_node',
  disablePowerOff: 'disable_power_off',
  targetRaidConfig: 'target_raid_config',
  allocationUuid: 'allocation_uuid',
  powerSyncFailures: 'power_sync_failures',
  deployStep: 'deploy_step',
  cleanStep: 'clean_step',
  bootMode: 'boot_mode',
  inspectionStartedAt: 'inspection_started_at',
  inspectionFinishedAt: 'inspection_finished_at',
  provisionUpdatedAt: 'provision_updated_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  chassisUuid: 'chassis_uuid',
};
export const PORT_COLUMNS: Columns<Port> = {
  id: 'id',
  uuid: 'uuid',
  name: 'name',
  address: 'address',
  nodeId: 'node_id',
  pxeEnabled: 'pxe_enabled',
  extra: 'extra',
  localLinkConnection: 'local_link_connection',
  physicalNetwork: 'physical_network',
  isSmartnic: 'is_smartnic',
  portgroupUuid: 'portgroup_uuid',
  internalInfo: 'internal_info',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

export const HISTORY_COLUMNS: Columns<HistoryEvent> = {
  id: 'id',
  uuid: 'uuid',
  nodeId: 'node_id',
  nodeUuid: 'node_uuid',
  createdAt: 'created_at',
  actor: 'actor',
  requestId: 'request_id',
  eventType: 'event_type',
  fromState: 'from_state',
  toState: 'to_state',
  event: 'event',
  severity: 'severity',
};

/** `"col" AS "field", ...`: rows come back with the model's field names. */
function selectList(columns: Readonly<Record<string, string>>): string {
  return Object.entries(columns)
    .map(([field, col]) => (field === col ? `"${col}"` : `"${col}" AS "${field}"`))
    .join(', ');
}

export const SELECT_NODE = selectList(NODE_COLUMNS);
export const SELECT_PORT = selectList(PORT_COLUMNS);

/** Placeholders and literals in the provider's dialect. */
export class Sql {
  readonly params: unknown[] = [];
  constructor(readonly provider: DatabaseProvider) {}

  param(v: unknown): string {
    this.params.push(v);
    return this.provider === 'sqlite' ? '?' : `$${this.params.length}`;
  }

  bool(b: boolean): string {
    if (this.provider === 'sqlite') return b ? '1' : '0';
    return b ? 'TRUE' : 'FALSE';
  }
}

function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === 'number' || typeof v === 'bigint') return new Date(Number(v));
  const s = String(v);
  // SQLite's CURRENT_TIMESTAMP form is UTC without saying so
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(s) ? `${s.replace(' ', 'T')}Z` : s);
}

interface Kinds {
  booleans: readonly string[];
  dates: readonly string[];
  integers: readonly string[];
}

/** A raw row as Prisma would have given it, whatever the driver returned (0/1, text dates, bigints). */
function decode<T>(r: Record<string, unknown>, k: Kinds): T {
  for (const f of k.booleans) {
    const v = r[f];
    if (v !== null && v !== undefined && typeof v !== 'boolean') r[f] = v === 1 || v === 1n || v === '1' || v === 't' || v === 'true';
  }
  for (const f of k.dates) r[f] = toDate(r[f]);
  for (const f of k.integers) if (typeof r[f] === 'bigint' || typeof r[f] === 'string') r[f] = Number(r[f]);
  return r as T;
}

const NODE_KINDS: Kinds = {
  booleans: ['maintenance', 'automatedClean', 'protected', 'retired', 'disablePowerOff'] satisfies (keyof Node)[],
  dates: ['inspectionStartedAt', 'inspectionFinishedAt', 'provisionUpdatedAt', 'createdAt', 'updatedAt'] satisfies (keyof Node)[],
  integers: ['id', 'powerSyncFailures'] satisfies (keyof Node)[],
};
const PORT_KINDS: Kinds = {
  booleans: ['pxeEnabled', 'isSmartnic'] satisfies (keyof Port)[],
  dates: ['createdAt', 'updatedAt'] satisfies (keyof Port)[],
  integers: ['id', 'nodeId'] satisfies (keyof Port)[],
};

export const decodeNode = (r: Record<string, unknown>): Node => decode<Node>(r, NODE_KINDS);
export const decodePort = (r: Record<string, unknown>): Port => decode<Port>(r, PORT_KINDS);

/** A value as a parameter: Dates as Prisma writes them (ISO 8601, +00:00), read back alike by both databases. */
function paramValue(v: unknown): unknown {
  return v instanceof Date ? v.toISOString().replace('Z', '+00:00') : v;
}

/** `INSERT INTO table (columns of data's fields) VALUES (...)`, with `tail` after it (RETURNING ...). */
function insertSql<T>(sql: Sql, table: string, columns: Columns<T>, data: Partial<T>, tail = ''): string {
  const fields = (Object.keys(data) as (keyof T)[]).filter((f) => data[f] !== undefined);
  const cols = fields.map((f) => {
    if (!columns[f]) throw new Error(`raw-rows: no column for ${table}.${String(f)}`);
    return `"${columns[f]}"`;
  });
  const values = fields.map((f) => sql.param(paramValue(data[f])));
  return `INSERT INTO "${table}" (${cols.join(', ')}) VALUES (${values.join(', ')})${tail}`;
}

/** A history row for a node that the same transaction inserts (its id found by uuid). */
export type HistoryInsert = Omit<HistoryEvent, 'id' | 'nodeId'>;

function historyAfter(sql: Sql, h: HistoryInsert, nodeId: number | 'by-uuid'): string {
  if (nodeId !== 'by-uuid') return insertSql(sql, 'history', HISTORY_COLUMNS, { ...h, nodeId });
  const cols = (Object.keys(h) as (keyof HistoryInsert)[]).map((f) => `"${HISTORY_COLUMNS[f]}"`);
  const values = (Object.keys(h) as (keyof HistoryInsert)[]).map((f) => sql.param(paramValue(h[f])));
  return `INSERT INTO "history" (${cols.join(', ')}, "node_id") SELECT ${values.join(', ')}, "id" FROM "nodes" WHERE "uuid" = ${sql.param(h.nodeUuid)}`;
}

/**
 * Inserts a node and its history row in one transaction, two statements, and returns the
 * node's row. A unique violation throws Prisma's P2010 (see uniqueViolation).
 */
export async function insertNodeWithHistory(
  db: Database,
  data: Partial<Node> & Pick<Node, 'uuid' | 'driver'>,
  history: HistoryInsert,
): Promise<Node> {
  const provider = databaseProvider(db);
  const a = new Sql(provider);
  const b = new Sql(provider);
  const [rows] = await db.$transaction([
    db.$queryRawUnsafe<Record<string, unknown>[]>(insertSql(a, 'nodes', NODE_COLUMNS, data, ` RETURNING ${SELECT_NODE}`), ...a.params),
    db.$executeRawUnsafe(historyAfter(b, history, 'by-uuid'), ...b.params),
  ]);
  return decodeNode(rows[0]);
}

/** Inserts a port and its node's history row in one transaction, two statements, and returns the port's row. */
export async function insertPortWithHistory(
  db: Database,
  data: Partial<Port> & Pick<Port, 'uuid' | 'address' | 'nodeId'>,
  history: HistoryInsert,
): Promise<Port> {
  const provider = databaseProvider(db);
  const a = new Sql(provider);
  const b = new Sql(provider);
  const [rows] = await db.$transaction([
    db.$queryRawUnsafe<Record<string, unknown>[]>(insertSql(a, 'ports', PORT_COLUMNS, data, ` RETURNING ${SELECT_PORT}`), ...a.params),
    db.$executeRawUnsafe(historyAfter(b, history, data.nodeId), ...b.params),
  ]);
  return decodePort(rows[0]);
}
