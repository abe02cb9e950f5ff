// Starts node operations as Temporal workflows. The workflow id node-<uuid> is the
// node's lock: Temporal refuses a second one while the first runs, which we turn into 409.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { nodeOperationId } from '../../../../workflows/contracts/ids';
import { NodeLockedError, ServiceUnavailableError } from '../common/errors';

export class Workflows {
  constructor(private readonly client: Client, private readonly taskQueue: string, private readonly host: string) {}

  /** Starts workflowType holding the node's lock; returns the run id. */
  async startNodeOperation(nodeUuid: string, workflowType: string, input: unknown): Promise<{ workflowId: string; runId: string }> {
    const workflowId = nodeOperationId(nodeUuid);
    try {
      const handle = await this.client.workflow.start(workflowType, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      return { workflowId, runId: handle.firstExecutionRunId };
    } catch (e) {
      if (e instanceof WorkflowExecutionAlreadyStartedError) throw new NodeLockedError(nodeUuid, this.host);
      throw new ServiceUnavailableError(`The workflow service is unavailable (${(e as Error).message}); retry shortly.`);
    }
  }
}
