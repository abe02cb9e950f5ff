// Power sync: read every BMC, keep power_state true to the hardware, and after N
// consecutive failures put the node in maintenance (fault "power failure"); a node
// in maintenance for that fault is still read, and leaves maintenance when its BMC
// answers again. With `force`, the recorded state is pushed onto the hardware instead.
//
// A pass costs one query (syncPowerPass reads the syncable nodes' rows, locks checked in the
// same query), the BMC reads, and at most one transaction per batch: every change a batch
// found (power state, failure counts, maintenance, their history rows) is written together
// at its end; a batch that found nothing new writes nothing.
import crypto from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import type { Node, Prisma } from '#prisma/generated/sqlite/client';
import { writeHistory } from '#prisma/node-operations';
import type { SealKeys } from '#prisma/sealed-json';
import { bmcFor } from './bmc-target';
import type { PowerInterfaces, PowerState } from './power-interface';

export const POWER_FAILURE = 'power failure';
const ACTOR = 'ironflow:power-sync';

export interface SyncSettings {
  /** Consecutive failed reads before maintenance. */
  failureLimit: number;
  /** Push the recorded state onto the hardware instead of recording the hardware's. */
  force: boolean;
  /** Spread the reads of one batch over up to this many ms (politeness to BMCs sharing a network). */
  jitterMs: number;
}

export interface SyncPassInput {
  conductorGroup: string;
  /** Nodes this activity reads itself; the rest are returned for syncPowerBatch. */
  batchSize: number;
  settings: SyncSettings;
  passId: string;
}

export interface SyncPassResult {
  /** Syncable nodes found. */
  nodes: number;
  /** What this activity did with the first batchSize of them. */
  result: SyncResult;
  /** The UUIDs of the others, in order, for syncPowerBatch. */
  rest: string[];
}

export interface SyncResult {
  read: number;
  changed: number;
  forced: number;
  failed: number;
  skipped: number;
  maintenanceSet: number;
  recovered: number;
}

type Tx = Prisma.TransactionClient;
type HistoryRow = Prisma.HistoryEventCreateManyInput;

/** A write a read asks for, applied with the batch's others in one transaction; returns the counters to add once committed. */
type Write = (tx: Tx, history: HistoryRow[]) => Promise<Partial<SyncResult>>;

function historyRow(node: Node, passId: string, event: string, severity = 'INFO'): HistoryRow {
  return {
    uuid: crypto.randomUUID(),
    nodeId: node.id,
    nodeUuid: node.uuid,
    eventType: 'power-sync',
    actor: ACTOR,
    requestId: passId,
    severity,
    event: event.length > 255 ? `${event.slice(0, 251)}...` : event,
  };
}

const emptyResult = (): SyncResult => ({ read: 0, changed: 0, forced: 0, failed: 0, skipped: 0, maintenanceSet: 0, recovered: 0 });

/** Nodes the sync reads: ipmi nodes not in enroll, not in maintenance (except for power failure), not locked. */
function syncableWhere(conductorGroup: string): Prisma.NodeWhereInput {
  return {
    driver: { in: ['ipmi', 'redfish'] },
    conductorGroup,
    // enroll: the BMC may not be configured yet (Ironic skips it too).
    provisionState: { not: 'enroll' },
    OR: [{ maintenance: false }, { fault: POWER_FAILURE }],
    operations: { none: { status: 'running' } },
  };
}

export function createPowerSyncActivities({
  db,
  keys,
  powerInterfaces,
}: {
  db: Database;
  keys: SealKeys;
  powerInterfaces: PowerInterfaces;
}) {
  /** Reads one node's BMC; returns the write it calls for, if any (the force path writes at once: it acted on the hardware). */
  async function syncOne(
    node: Node | undefined,
    locked: boolean,
    s: SyncSettings,
    r: SyncResult,
    passId: string,
  ): Promise<Write | undefined> {
    if (!node || (node.maintenance && node.fault !== POWER_FAILURE) || locked) {
      r.skipped++; // gone, in maintenance for another reason, or held by an operation that owns the power state now
      return undefined;
    }
    const uuid = node.uuid;
    let state: PowerState;
    try {
      const bmc = bmcFor(node, keys, powerInterfaces);
      state = await bmc.getPowerState();
      if (s.force && node.powerState && node.powerState !== state && !node.maintenance) {
        await bmc.setPower(node.powerState === 'power on' ? 'on' : 'off');
        await writeHistory(db, {
          nodeId: node.id,
          nodeUuid: uuid,
          eventType: 'power-sync',
          actor: ACTOR,
          requestId: passId,
          severity: 'WARNING',
          event: `Hardware was ${state}; forced it back to the recorded ${node.powerState}`,
        });
        r.forced++;
        r.read++;
        await db.node.updateMany({ where: { id: node.id }, data: { powerSyncFailures: 0 } });
        return undefined;
      }
    } catch (e) {
      r.failed++;
      const failures = node.powerSyncFailures + 1;
      const reason = `Power sync could not read the BMC of node ${uuid} (${failures} consecutive failure${failures > 1 ? 's' : ''}): ${(e as Error).message}`;
      if (failures >= s.failureLimit && !node.maintenance) {
        return async (tx, history) => {
          await tx.node.update({
            where: { id: node.id },
            data: {
              powerSyncFailures: failures,
              maintenance: true,
              fault: POWER_FAILURE,
              maintenanceReason: reason,
              lastError: reason,
              powerState: null,
              updatedAt: new Date(),
            },
          });
          history.push(
            historyRow(
              node,
              passId,
              `${reason}. Node put in maintenance; it leaves maintenance by itself when its BMC answers again.`,
              'ERROR',
            ),
          );
          return { maintenanceSet: 1 };
        };
      }
      return async (tx) => {
        await tx.node.updateMany({ where: { id: node.id }, data: { powerSyncFailures: failures } });
        return {};
      };
    }
    r.read++;
    const recovering = node.maintenance && node.fault === POWER_FAILURE;
    const changed = node.powerState !== state;
    if (!changed && !recovering && node.powerSyncFailures === 0) return undefined;
    return async (tx, history) => {
      // Compare-and-set: an operation that started meanwhile owns the state.
      const n = await tx.node.updateMany({
        where: { id: node.id, powerState: node.powerState, ...(recovering ? { fault: POWER_FAILURE } : {}) },
        data: recovering
          ? {
              powerState: state,
              powerSyncFailures: 0,
              maintenance: false,
              maintenanceReason: null,
              fault: null,
              lastError: null,
              updatedAt: new Date(),
            }
          : { powerState: state, powerSyncFailures: 0, ...(changed ? { updatedAt: new Date() } : {}) },
      });
      if (n.count === 0) return {};
      if (changed) {
        history.push(
          historyRow(node, passId, `Power state changed from ${node.powerState ?? 'unknown'} to ${state} (found by power sync)`),
        );
      }
      if (recovering) history.push(historyRow(node, passId, 'The BMC answers again: maintenance for power failure cleared'));
      return { changed: changed ? 1 : 0, recovered: recovering ? 1 : 0 };
    };
  }

  /** Reads the nodes' BMCs (jittered, heartbeating), then writes what they found in one transaction. */
  async function syncNodes(
    nodes: { node: Node | undefined; locked: boolean }[],
    settings: SyncSettings,
    passId: string,
  ): Promise<SyncResult> {
    const r = emptyResult();
    const ctx = Context.current();
    const writes: Write[] = [];
    await Promise.all(
      nodes.map(async ({ node, locked }) => {
        if (settings.jitterMs > 0) await ctx.sleep(Math.floor(Math.random() * settings.jitterMs));
        const w = await syncOne(node, locked, settings, r, passId);
        if (w) writes.push(w);
        ctx.heartbeat();
      }),
    );
    if (writes.length === 0) return r;
    // The body may run again (SQLite busy retry, database.ts): counters are added once, after the commit.
    const deltas = await db.$transaction(async (tx) => {
      const history: HistoryRow[] = [];
      const out: Partial<SyncResult>[] = [];
      for (const w of writes) out.push(await w(tx, history));
      if (history.length) await tx.historyEvent.createMany({ data: history });
      return out;
    });
    for (const d of deltas) for (const [k, v] of Object.entries(d) as [keyof SyncResult, number][]) r[k] += v;
    return r;
  }

  return {
    /** Nodes the sync reads: ipmi and redfish nodes not in maintenance (except for power failure), not locked. */
    async listPowerSyncNodes(conductorGroup = ''): Promise<string[]> {
      const rows = await db.node.findMany({ where: syncableWhere(conductorGroup), select: { uuid: true }, orderBy: { id: 'asc' } });
      return rows.map((r) => r.uuid);
    },

    /** One pass's first batch in one activity: lists the syncable nodes (their rows, in one query) and reads the first batchSize. */
    async syncPowerPass(input: SyncPassInput): Promise<SyncPassResult> {
      const rows = await db.node.findMany({ where: syncableWhere(input.conductorGroup), orderBy: { id: 'asc' } });
      const mine = rows.slice(0, input.batchSize).map((node) => ({ node, locked: false }));
      const result = await syncNodes(mine, input.settings, input.passId);
      return { nodes: rows.length, result, rest: rows.slice(input.batchSize).map((n) => n.uuid) };
    },

    async syncPowerBatch(input: { nodeUuids: string[]; settings: SyncSettings; passId: string }): Promise<SyncResult> {
      // Two queries for the whole batch, not two per node.
      const nodes = new Map((await db.node.findMany({ where: { uuid: { in: input.nodeUuids } } })).map((n) => [n.uuid, n]));
      const ids = [...nodes.values()].map((n) => n.id);
      const locked = new Set(
        (await db.operation.findMany({ where: { nodeId: { in: ids }, status: 'running' }, select: { nodeId: true } })).map((o) => o.nodeId),
      );
      return syncNodes(
        input.nodeUuids.map((uuid) => {
          const node = nodes.get(uuid);
          return { node, locked: node ? locked.has(node.id) : false };
        }),
        input.settings,
        input.passId,
      );
    },
  };
}
