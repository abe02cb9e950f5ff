// A node's current or last operation, with the steps its workflow reports live
// (or recorded when it ended), bytes written, rate, ETA, and `stalled` when heartbeats stop.
import { Injectable } from '@nestjs/common';
import type { Node } from '#prisma/generated/sqlite/client';
import type { TimelineView } from '#workflows/contracts/deploy';
import { NotFoundError } from '../common/errors';
import { ApiSettings } from '../infra/settings';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';
import { isoTime } from '../nodes/node-view';
import { readConsoleTail } from './console-tail';

const STALL_MS = 60_000;

@Injectable()
export class OperationService {
  constructor(
    private readonly store: Store,
    private readonly workflows: Workflows,
    private readonly settings: ApiSettings,
  ) {}

  /** `ident` is how the request named the node (for the 404 message). */
  async show(node: Node, ident: string): Promise<Record<string, unknown>> {
    const op = await this.store.db.operation.findFirst({ where: { nodeUuid: node.uuid }, orderBy: { id: 'desc' } });
    if (!op) throw new NotFoundError(`Node ${ident} has had no operation yet.`);
    const base = {
      node_uuid: node.uuid,
      kind: op.kind,
      status: op.status,
      workflow_id: op.workflowId,
      run_id: op.runId,
      actor: op.actor,
      request_id: op.requestId,
      started_at: isoTime(op.startedAt),
      finished_at: isoTime(op.finishedAt),
      error: op.error,
    };
    const live = op.status === 'running' ? await this.workflows.progress(node.uuid) : null;
    const view = (live?.view ?? (op.timeline ? JSON.parse(op.timeline) : null)) as TimelineView | null;
    let bytesDone = view?.bytesDone ?? null;
    let lastHeartbeat: Date | undefined;
    for (const p of live?.pending ?? []) {
      const hb = p.heartbeat as { bytesWritten?: number; bytes?: number } | undefined;
      const b = hb?.bytesWritten ?? hb?.bytes;
      if (typeof b === 'number') bytesDone = b;
      if (p.lastHeartbeat) lastHeartbeat = p.lastHeartbeat;
    }
    const bytesTotal = view?.bytesTotal ?? null;
    const current = view?.steps.find((s) => s.status === 'running');
    const elapsed = current ? (Date.now() - Date.parse(current.startedAt)) / 1000 : 0;
    const rate = bytesDone !== null && elapsed > 0 && current ? Math.round(bytesDone / elapsed) : null;
    return {
      ...base,
      current_step: view?.current ?? null,
      steps: (view?.steps ?? []).map((s) => ({
        name: s.name,
        status: s.status,
        started_at: s.startedAt,
        ended_at: s.endedAt ?? null,
        detail: s.detail ?? null,
      })),
      bytes_done: bytesDone,
      bytes_total: bytesTotal,
      rate_bytes_per_s: rate,
      eta_s: rate && bytesTotal !== null && bytesDone !== null ? Math.max(0, Math.round((bytesTotal - bytesDone) / rate)) : null,
      stalled: op.status === 'running' && lastHeartbeat !== undefined && Date.now() - lastHeartbeat.getTime() > STALL_MS,
      // What the node's console last said, while the operation runs or once it failed (a step that hangs, a ramdisk that never called).
      console: op.status === 'running' || op.status === 'failed' ? await readConsoleTail(this.settings.consoleLogDir, node.name) : null,
    };
  }
}
