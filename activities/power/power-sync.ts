// Power sync: read every BMC, keep power_state true to the hardware, and after N
// consecutive failures put the node in maintenance (fault "power failure"); a node
// in maintenance for that fault is still read, and leaves maintenance when its BMC
// answers again. With `force`, the recorded state is pushed onto the hardware instead.
import { Context } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import type { Node } from '#prisma/generated/sqlite/client';
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

export interface SyncResult {
  read: number;
  changed: number;
  forced: number;
  failed: number;
  skipped: number;
  maintenanceSet: number;
  recovered: number;
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
  async function syncOne(node: Node | undefined, locked: boolean, s: SyncSettings, r: SyncResult, passId: string): Promise<void> {
    if (!node || (node.maintenance && node.fault !== POWER_FAILURE) || locked) {
      r.skipped++; // gone, in maintenance for another reason, or held by an operation that owns the power state now
      return;
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
        return;
      }
    } catch (e) {
      r.failed++;
      const failures = node.powerSyncFailures + 1;
      const reason = `Power sync could not read the BMC of node ${uuid} (${failures} consecutive failure${failures > 1 ? 's' : ''}): ${(e as Error).message}`;
      if (failures >= s.failureLimit && !node.maintenance) {
        await db.$transaction(async (tx) => {
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
          await writeHistory(tx, {
            nodeId: node.id,
            nodeUuid: uuid,
            eventType: 'power-sync',
            actor: ACTOR,
            requestId: passId,
            severity: 'ERROR',
            event: `${reason}. Node put in maintenance; it leaves maintenance by itself when its BMC answers again.`,
          });
        });
        r.maintenanceSet++;
      } else {
        await db.node.updateMany({ where: { id: node.id }, data: { powerSyncFailures: failures } });
      }
      return;
    }
    r.read++;
    const recovering = node.maintenance && node.fault === POWER_FAILURE;
    const changed = node.powerState !== state;
    if (!changed && !recovering && node.powerSyncFailures === 0) return;
    await db.$transaction(async (tx) => {
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
      if (n.count === 0) return;
      if (changed) {
        r.changed++;
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: uuid,
          eventType: 'power-sync',
          actor: ACTOR,
          requestId: passId,
          event: `Power state changed from ${node.powerState ?? 'unknown'} to ${state} (found by power sync)`,
        });
      }
      if (recovering) {
        r.recovered++;
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid: uuid,
          eventType: 'power-sync',
          actor: ACTOR,
          requestId: passId,
          event: 'The BMC answers again: maintenance for power failure cleared',
        });
      }
    });
  }

  return {
    /** Nodes the sync reads: ipmi and redfish nodes not in maintenance (except for power failure), not locked. */
    async listPowerSyncNodes(conductorGroup = ''): Promise<string[]> {
      const rows = await db.node.findMany({
        // enroll: the BMC may not be configured yet (Ironic skips it too).
        where: {
          driver: { in: ['ipmi', 'redfish'] },
          conductorGroup,
          provisionState: { not: 'enroll' },
          OR: [{ maintenance: false }, { fault: POWER_FAILURE }],
          operations: { none: { status: 'running' } },
        },
        select: { uuid: true },
        orderBy: { id: 'asc' },
      });
      return rows.map((r) => r.uuid);
    },

    async syncPowerBatch(input: { nodeUuids: string[]; settings: SyncSettings; passId: string }): Promise<SyncResult> {
      const r: SyncResult = { read: 0, changed: 0, forced: 0, failed: 0, skipped: 0, maintenanceSet: 0, recovered: 0 };
      const { jitterMs } = input.settings;
      const ctx = Context.current();
      // Two queries for the whole batch, not two per node.
      const nodes = new Map((await db.node.findMany({ where: { uuid: { in: input.nodeUuids } } })).map((n) => [n.uuid, n]));
      const ids = [...nodes.values()].map((n) => n.id);
      const locked = new Set(
        (await db.operation.findMany({ where: { nodeId: { in: ids }, status: 'running' }, select: { nodeId: true } })).map((o) => o.nodeId),
      );
      await Promise.all(
        input.nodeUuids.map(async (uuid) => {
          if (jitterMs > 0) await ctx.sleep(Math.floor(Math.random() * jitterMs));
          const node = nodes.get(uuid);
          await syncOne(node, node ? locked.has(node.id) : false, input.settings, r, input.passId);
          ctx.heartbeat();
        }),
      );
      return r;
    },
  };
}
