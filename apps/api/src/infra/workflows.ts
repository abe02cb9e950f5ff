// Starts node operations as Temporal workflows. The workflow id node-<uuid> is the
// node's lock: Temporal refuses a second one while the first runs, which we turn into 409.
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { nodeOperationId } from '#workflows/contracts/ids';
import { ApiError, NodeLockedError, ServiceUnavailableError } from '../common/errors';

export class Workflows {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly host: string,
  ) {}

  /**
   * Starts workflowType holding the node's lock; returns the run id. `busy()` says whether
   * the database still records a running operation: when it does not, a run that still
   * holds the id has finished its work and is closing, so we wait for it briefly.
   */
  async startNodeOperation(
    nodeUuid: string,
    workflowType: string,
    input: unknown,
    busy: () => Promise<boolean>,
  ): Promise<{ workflowId: string; runId: string }> {
    const workflowId = nodeOperationId(nodeUuid);
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        const handle = await this.client.workflow.start(workflowType, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        });
        return { workflowId, runId: handle.firstExecutionRunId };
      } catch (e) {
        if (!(e instanceof WorkflowExecutionAlreadyStartedError)) {
          throw new ServiceUnavailableError(`The workflow service is unavailable (${(e as Error).message}); retry shortly.`);
        }
        if (Date.now() > deadline || (await busy())) throw new NodeLockedError(nodeUuid, this.host);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Runs a short node operation to completion and returns its result (boot device get/set). */
  async executeNodeOperation<T>(
    nodeUuid: string,
    workflowType: string,
    input: unknown,
    busy: () => Promise<boolean>,
    timeoutMs = 120_000,
  ): Promise<T> {
    const { workflowId, runId } = await this.startNodeOperation(nodeUuid, workflowType, input, busy);
    const handle = this.client.workflow.getHandle(workflowId, runId);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ServiceUnavailableError(
              `Node ${nodeUuid}: the operation did not finish within ${timeoutMs / 1000} s; is a worker running?`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return (await Promise.race([handle.result(), timeout])) as T;
    } catch (e) {
      if (e instanceof WorkflowFailedError) {
        const cause = e.cause as Error | undefined;
        throw new ApiError(500, cause?.message ?? e.message);
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The workers polling a task queue (workflow and activity pollers), as Temporal's
   * DescribeTaskQueue reports them: identity and the last time each polled.
   */
  async pollers(taskQueue: string): Promise<{ identity: string; lastAccess: Date }[]> {
    const out: { identity: string; lastAccess: Date }[] = [];
    for (const taskQueueType of [1, 2]) {
      try {
        const r = await this.client.workflowService.describeTaskQueue({
          namespace: this.client.options.namespace,
          taskQueue: { name: taskQueue, kind: 1 },
          taskQueueType,
        });
        for (const p of r.pollers ?? []) {
          const t = p.lastAccessTime;
          const ms = t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
          out.push({ identity: p.identity ?? '', lastAccess: new Date(ms) });
        }
      } catch (e) {
        throw new ServiceUnavailableError(`The workflow service is unavailable (${(e as Error).message}); retry shortly.`);
      }
    }
    return out;
  }

  /** Signals a running workflow run; 410 when it is gone. */
  async signal(workflowId: string, runId: string, name: string, arg: unknown): Promise<void> {
    try {
      await this.client.workflow.getHandle(workflowId, runId || undefined).signal(name, arg);
    } catch (e) {
      if ((e as Error).name === 'WorkflowNotFoundError') throw new ApiError(410, 'The operation this callback belongs to has ended.');
      throw new ServiceUnavailableError(`The workflow service is unavailable (${(e as Error).message}); retry shortly.`);
    }
  }

  /** The progress query of the node's running operation, or null if none runs. */
  async progress(nodeUuid: string): Promise<{ view: unknown; pending: { heartbeat?: unknown; lastHeartbeat?: Date }[] } | null> {
    const h = this.client.workflow.getHandle(nodeOperationId(nodeUuid));
    try {
      const d = await h.describe();
      if (d.status.name !== 'RUNNING') return null;
      const view = await h.query('operationProgress').catch(() => null);
      const pending = (d.raw.pendingActivities ?? []).map((p) => ({
        heartbeat: p.heartbeatDetails?.payloads?.[0]?.data
          ? JSON.parse(Buffer.from(p.heartbeatDetails.payloads[0].data).toString('utf8'))
          : undefined,
        lastHeartbeat: p.lastHeartbeatTime?.seconds ? new Date(Number(p.lastHeartbeatTime.seconds) * 1000) : undefined,
      }));
      return { view, pending };
    } catch (e) {
      if ((e as Error).name === 'WorkflowNotFoundError') return null;
      throw e;
    }
  }
}
