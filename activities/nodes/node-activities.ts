// Database activities for node operations: each is a compare-and-set, safe to run twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import { beginOperation, finishOperation, writeHistory } from '#prisma/node-operations';
import { openSecrets, type SealKeys } from '#prisma/sealed-json';
import type { OperationEnd, OperationStart } from '#workflows/contracts/operations';
import { driverInfoProblems, findHardwareType } from '#workflows/domain/drivers';

export interface NodeActivityDeps {
  db: Database;
  keys: SealKeys;
}

interface OperationStep {
  nodeUuid: string;
  kind: string;
  actor: string;
  requestId: string;
}

export function createNodeActivities({ db, keys }: NodeActivityDeps) {
  function run() {
    const exec = Context.current().info.workflowExecution;
    if (!exec) throw ApplicationFailure.nonRetryable('node activities run only inside a workflow', 'NoWorkflow');
    return { workflowId: exec.workflowId, runId: exec.runId };
  }
  return {
    async beginOperation(i: OperationStep & OperationStart & { targetPowerState?: string }): Promise<void> {
      await beginOperation(db, { ...i, ...run() });
    },

    async finishOperation(
      i: OperationStep & OperationEnd & { status: 'succeeded' | 'failed'; error?: string; timeline?: unknown },
    ): Promise<void> {
      await finishOperation(db, { ...i, runId: run().runId });
    },

    /** A history event (e.g. an erase record). */
    async recordEvent(i: {
      nodeUuid: string;
      eventType: string;
      event: string;
      severity?: string;
      actor: string;
      requestId: string;
    }): Promise<void> {
      const node = await db.node.findUnique({ where: { uuid: i.nodeUuid }, select: { id: true } });
      await writeHistory(db, { ...i, nodeId: node?.id ?? null });
    },

    /** The verify step of `manage`: the hardware type exists and its driver_info is complete and well-formed. */
    async verifyNode(nodeUuid: string): Promise<void> {
      const node = await db.node.findUnique({ where: { uuid: nodeUuid } });
      if (!node) throw ApplicationFailure.nonRetryable(`Node ${nodeUuid} could not be found.`, 'NodeNotFound');
      if (!findHardwareType(node.driver)) {
        throw ApplicationFailure.nonRetryable(`Node ${nodeUuid} uses unknown driver ${node.driver}.`, 'NodeVerificationFailed');
      }
      const info = openSecrets(JSON.parse(node.driverInfo) as Record<string, unknown>, keys);
      const problems = driverInfoProblems({
        driver: node.driver,
        interfaces: JSON.parse(node.interfaces) as Record<string, unknown>,
        driverInfo: info,
      });
      if (problems.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `Failed to validate power driver interface for node ${nodeUuid}. Error: ${problems.join(' ')}`,
          'NodeVerificationFailed',
        );
      }
    },
  };
}
