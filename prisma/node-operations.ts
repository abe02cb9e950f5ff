// The compare-and-set steps that move a node through an operation. Shared by the
// API (which records the transition before answering 202) and the worker's
// activities (which record it again if the API died first): the operation row,
// keyed by the workflow's run id, makes whichever comes second a no-op.
import crypto from 'node:crypto';
import type { Database } from './database';

export interface BeginOperation {
  nodeUuid: string;
  kind: string;
  workflowId: string;
  runId: string;
  fromState: string;
  viaState: string;
  target: string | null;
  actor: string;
  requestId: string;
  /** Set with the start, e.g. target_power_state for a power action. */
  targetPowerState?: string | null;
}

export interface FinishOperation {
  nodeUuid: string;
  runId: string;
  from: string;
  to: string;
  status: 'succeeded' | 'failed';
  error?: string;
  actor: string;
  requestId: string;
  kind: string;
  /** The operation's steps, kept with the operation row after the workflow ends. */
  timeline?: unknown;
}

type Tx = Parameters<Parameters<Database['$transaction']>[0]>[0];

export async function writeHistory(
  tx: Tx | Database,
  e: { nodeId?: number | null; nodeUuid: string; eventType: string; event: string; severity?: string; actor?: string | null; requestId?: string | null; fromState?: string | null; toState?: string | null },
): Promise<void> {
  const event = e.event.length > 255 ? `${e.event.slice(0, 251)}...` : e.event;
  await tx.historyEvent.create({
    data: {
      uuid: crypto.randomUUID(),
      nodeId: e.nodeId ?? null,
      nodeUuid: e.nodeUuid,
      eventType: e.eventType,
      event,
      severity: e.severity ?? 'INFO',
      actor: e.actor ?? null,
      requestId: e.requestId ?? null,
      fromState: e.fromState ?? null,
      toState: e.toState ?? null,
    },
  });
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
        nodeId: node?.id ?? null, nodeUuid: op.nodeUuid, kind: op.kind, workflowId: op.workflowId, runId: op.runId,
        status: 'running', actor: op.actor, requestId: op.requestId,
      },
    });
    const now = new Date();
    if (op.fromState !== op.viaState) {
      await tx.node.updateMany({
        where: { uuid: op.nodeUuid, provisionState: op.fromState },
        data: { provisionState: op.viaState, targetProvisionState: op.target, lastError: null, provisionUpdatedAt: now, updatedAt: now },
      });
    }
    if (op.targetPowerState !== undefined) {
      await tx.node.updateMany({ where: { uuid: op.nodeUuid }, data: { targetPowerState: op.targetPowerState, lastError: null, updatedAt: now } });
    }
    const moves = op.fromState !== op.viaState;
    await writeHistory(tx, {
      nodeId: node?.id, nodeUuid: op.nodeUuid, eventType: moves ? 'provisioning' : op.kind, actor: op.actor, requestId: op.requestId,
      fromState: moves ? op.fromState : null, toState: moves ? op.viaState : null,
      event: moves ? `${op.kind} started: ${op.fromState} -> ${op.viaState}` : `${op.kind} started`,
    });
    return true;
  });
}

/** Idempotent: a finished operation is not finished again. */
export async function finishOperation(db: Database, op: FinishOperation): Promise<void> {
  await db.$transaction(async (tx) => {
    const row = await tx.operation.findUnique({ where: { runId: op.runId } });
    if (row && row.status !== 'running') return;
    const now = new Date();
    const node = await tx.node.findUnique({ where: { uuid: op.nodeUuid } });
    const moves = op.from !== op.to;
    if (moves) {
      await tx.node.updateMany({
        where: { uuid: op.nodeUuid, provisionState: op.from },
        data: { provisionState: op.to, targetProvisionState: null, lastError: op.error ?? null, provisionUpdatedAt: now, updatedAt: now },
      });
    }
    if (row) {
      await tx.operation.update({
        where: { runId: op.runId },
        data: { status: op.status, error: op.error ?? null, finishedAt: now, timeline: op.timeline === undefined ? null : JSON.stringify(op.timeline) },
      });
    }
    await writeHistory(tx, {
      nodeId: node?.id, nodeUuid: op.nodeUuid, eventType: moves ? 'provisioning' : op.kind, actor: op.actor, requestId: op.requestId,
      fromState: moves ? op.from : null, toState: moves ? op.to : null, severity: op.status === 'failed' ? 'ERROR' : 'INFO',
      event: op.error ?? (moves ? `${op.kind} finished: ${op.from} -> ${op.to}` : `${op.kind} finished`),
    });
  });
}
