// The compare-and-set steps that move a node through an operation. Shared by the
// API (which records the transition before answering 202) and the worker's
// activities (which record it again if the API died first): the operation row,
// keyed by the workflow's run id, makes whichever comes second a no-op.
import crypto from 'node:crypto';
import type { Database } from './database';
import type { HistoryEvent, Prisma } from './generated/sqlite/client';
import type { OperationEnd, OperationStart } from '#workflows/contracts/operations';
import type { ProvisionState } from '#workflows/contracts/states';

export type BeginOperation = OperationStart & {
  nodeUuid: string;
  kind: string;
  workflowId: string;
  runId: string;
  actor: string;
  requestId: string;
  /** Set with the start, e.g. target_power_state for a power action. */
  targetPowerState?: string | null;
};

export type FinishOperation = OperationEnd & {
  nodeUuid: string;
  runId: string;
  status: 'succeeded' | 'failed';
  error?: string;
  actor: string;
  requestId: string;
  kind: string;
  /** The operation's steps, kept with the operation row after the workflow ends. */
  timeline?: unknown;
};

type Tx = Parameters<Parameters<Database['$transaction']>[0]>[0];

export interface HistoryEntry {
  nodeId?: number | null;
  nodeUuid: string;
  eventType: string;
  event: string;
  severity?: string;
  actor?: string | null;
  requestId?: string | null;
  fromState?: string | null;
  toState?: string | null;
}

/** A history row's columns (a new uuid, the event cut to 255 characters, INFO unless told), without node_id. */
export function historyRow(e: HistoryEntry, createdAt = new Date()): Omit<HistoryEvent, 'id' | 'nodeId'> {
  return {
    uuid: crypto.randomUUID(),
    nodeUuid: e.nodeUuid,
    eventType: e.eventType,
    event: e.event.length > 255 ? `${e.event.slice(0, 251)}...` : e.event,
    severity: e.severity ?? 'INFO',
    actor: e.actor ?? null,
    requestId: e.requestId ?? null,
    fromState: e.fromState ?? null,
    toState: e.toState ?? null,
    createdAt,
  };
}

export async function writeHistory(tx: Tx | Database, e: HistoryEntry): Promise<void> {
  await tx.historyEvent.create({ data: { ...historyRow(e), nodeId: e.nodeId ?? null } });
}

export type MoveResult = 'moved' | 'already' | 'conflict';

export interface ProvisionMove {
  nodeUuid: string;
  from: ProvisionState;
  to: ProvisionState;
  /** More columns to set with the move (target_provision_state, last_error, ...). */
  data?: Prisma.NodeUpdateManyMutationInput;
  /** The history row: written for every outcome, with from/to only when the node moved. */
  history: { nodeId?: number | null; event: string; severity?: string; actor?: string | null; requestId?: string | null };
}

/**
 * The one provision-state compare-and-set: moves the node `from` → `to` only if it is in
 * `from`. `already`: it was in `to` (a retry of a move that happened); `conflict`: it was
 * somewhere else. Every outcome writes a history row in the same transaction (a caller
 * that refuses a non-move rolls it back with its own work).
 */
export async function moveProvisionState(tx: Tx | Database, m: ProvisionMove): Promise<MoveResult> {
  const now = new Date();
  const r = await tx.node.updateMany({
    where: { uuid: m.nodeUuid, provisionState: m.from },
    data: { ...m.data, provisionState: m.to, provisionUpdatedAt: now, updatedAt: now },
  });
  let result: MoveResult = 'moved';
  let actual: string | undefined;
  if (r.count === 0) {
    actual = (await tx.node.findUnique({ where: { uuid: m.nodeUuid }, select: { provisionState: true } }))?.provisionState;
    result = actual === m.to ? 'already' : 'conflict';
  }
  const moved = result === 'moved';
  await writeHistory(tx, {
    ...m.history,
    nodeUuid: m.nodeUuid,
    eventType: 'provisioning',
    fromState: moved ? m.from : null,
    toState: moved ? m.to : null,
    severity: result === 'conflict' ? 'WARNING' : m.history.severity,
    event: moved
      ? m.history.event
      : `${m.history.event} (${result === 'already' ? `already ${m.to}` : `not moved: node is ${actual ?? 'gone'}, expected ${m.from}`})`,
  });
  return result;
}

/** Returns true if this call recorded the start (false: it was recorded already). */
export async function beginOperation(db: Database, op: BeginOperation): Promise<boolean> {
  try {
    return await recordStart(db, op);
  } catch (e) {
    // The API and the workflow's first activity raced to insert the same run: the other won.
    if ((e as { code?: string }).code === 'P2002') return false;
    throw e;
  }
}

function recordStart(db: Database, op: BeginOperation): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const existing = await tx.operation.findUnique({ where: { runId: op.runId } });
    if (existing) return false;
    const node = await tx.node.findUnique({ where: { uuid: op.nodeUuid } });
    await tx.operation.create({
      data: {
        nodeId: node?.id ?? null,
        nodeUuid: op.nodeUuid,
        kind: op.kind,
        workflowId: op.workflowId,
        runId: op.runId,
        status: 'running',
        actor: op.actor,
        requestId: op.requestId,
      },
    });
    const now = new Date();
    if (op.targetPowerState !== undefined) {
      await tx.node.updateMany({
        where: { uuid: op.nodeUuid },
        data: { targetPowerState: op.targetPowerState, lastError: null, updatedAt: now },
      });
    }
    const history = { nodeId: node?.id, actor: op.actor, requestId: op.requestId };
    if (op.fromState !== '' && op.fromState !== op.viaState) {
      await moveProvisionState(tx, {
        nodeUuid: op.nodeUuid,
        from: op.fromState,
        to: op.viaState,
        data: { targetProvisionState: op.target, lastError: null },
        history: { ...history, event: `${op.kind} started: ${op.fromState} -> ${op.viaState}` },
      });
    } else {
      await writeHistory(tx, { ...history, nodeUuid: op.nodeUuid, eventType: op.kind, event: `${op.kind} started` });
    }
    return true;
  });
}

/** The operation kind of teardownNode (workflows/clean-node.ts): its end clears instance_info and instance_uuid. */
const UNDEPLOY = 'undeploy';

/** Idempotent: a finished operation is not finished again. */
export async function finishOperation(db: Database, op: FinishOperation): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.operation.findUnique({ where: { runId: op.runId } });
    if (row && row.status !== 'running') return;
    const now = new Date();
    const node = await tx.node.findUnique({ where: { uuid: op.nodeUuid } });
    // The running step (deploy_step / clean_step) ends with the operation.
    await tx.node.updateMany({
      where: { uuid: op.nodeUuid, OR: [{ deployStep: { not: '{}' } }, { cleanStep: { not: '{}' } }] },
      data: { deployStep: '{}', cleanStep: '{}' },
    });
    if (row) {
      await tx.operation.update({
        where: { runId: op.runId },
        data: {
          status: op.status,
          error: op.error ?? null,
          finishedAt: now,
          timeline: op.timeline === undefined ? null : JSON.stringify(op.timeline),
        },
      });
    }
    const history = { nodeId: node?.id, actor: op.actor, requestId: op.requestId, severity: op.status === 'failed' ? 'ERROR' : 'INFO' };
    if (op.from !== '' && op.from !== op.to) {
      const moved = await moveProvisionState(tx, {
        nodeUuid: op.nodeUuid,
        from: op.from,
        to: op.to,
        data: {
          targetProvisionState: null,
          lastError: op.error ?? null,
          // Undeploy ends the instance, whether it succeeded or not (Ironic's tear down wipes both in its
          // `finally`, before cleaning): the sealed configdrive and image fields go with it, and so
          // does the node's allocation (as Ironic's tear down destroys it).
          ...(op.kind === UNDEPLOY ? { instanceInfo: '{}', instanceUuid: null, allocationUuid: null } : {}),
        },
        history: { ...history, event: op.error ?? `${op.kind} finished: ${op.from} -> ${op.to}` },
      });
      if (moved === 'moved' && op.kind === UNDEPLOY && node?.allocationUuid)
        await tx.allocation.deleteMany({ where: { uuid: node.allocationUuid } });
    } else {
      await writeHistory(tx, { ...history, nodeUuid: op.nodeUuid, eventType: op.kind, event: op.error ?? `${op.kind} finished` });
    }
  });
}
