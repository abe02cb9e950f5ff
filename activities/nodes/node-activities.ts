// Database activities for node operations: each is a compare-and-set, safe to run twice.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import { beginOperation, finishOperation, writeHistory } from '#prisma/node-operations';
import { openSecrets, type SealKeys } from '#prisma/sealed-json';
import type { OperationEnd, OperationStart } from '#workflows/contracts/operations';
import { deployNeeds, driverInfoProblems, findHardwareType } from '#workflows/domain/drivers';

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
      const r = run();
      // The API recorded the start before it answered (it records it too): one cheap read, no transaction.
      if (await db.operation.findUnique({ where: { runId: r.runId }, select: { id: true } })) return;
      await beginOperation(db, { ...i, ...r });
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
    /**
     * The validation step of `adopt`, as Ironic's deploy validation: a node whose deploy
     * interface writes an image must say which image it runs (instance_info.image_source),
     * since a rebuild later needs it. Nothing on the node is touched.
     */
    async validateAdoption(nodeUuid: string): Promise<void> {
      const node = await db.node.findUnique({ where: { uuid: nodeUuid } });
      if (!node) throw ApplicationFailure.nonRetryable(`Node ${nodeUuid} could not be found.`, 'NodeNotFound');
      const needs = deployNeeds({ driver: node.driver, interfaces: JSON.parse(node.interfaces) as Record<string, unknown> });
      const instance = openSecrets(JSON.parse(node.instanceInfo) as Record<string, unknown>, keys);
      if (needs.image && !instance.image_source) {
        throw ApplicationFailure.nonRetryable(
          "Some parameters were missing in node's instance_info. Missing are: ['image_source']",
          'AdoptionValidationFailed',
        );
      }
    },

    /** A failed adoption forgets the power state it may have read: it is likely invalid (Ironic does the same). */
    async forgetPowerState(nodeUuid: string): Promise<void> {
      await db.node.updateMany({ where: { uuid: nodeUuid }, data: { powerState: null, targetPowerState: null } });
    },
  };
}
