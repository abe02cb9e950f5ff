// The node's state during a deploy or cleaning: provision-state moves between the
// transitional states (the one compare-and-set, with a history row), and the step
// running now (the node's deploy_step / clean_step fields).
import { moveProvisionState, writeHistory, type MoveResult } from '#prisma/node-operations';
import type { ProvisionState } from '#workflows/contracts/states';
import { stepField, type StepRef } from '#workflows/contracts/steps';
import type { DeployActivityDeps } from './deploy-deps';

export function createNodeStateActivities({ db }: Pick<DeployActivityDeps, 'db'>) {
  return {
    /** Moves the node between transitional states (deploying ⇄ wait call-back, deleting → cleaning). */
    async moveProvisionState(i: {
      nodeUuid: string;
      from: ProvisionState;
      to: ProvisionState;
      actor?: string;
      requestId?: string;
    }): Promise<MoveResult> {
      const node = await db.node.findUnique({ where: { uuid: i.nodeUuid }, select: { id: true } });
      return db.$transaction((tx) =>
        moveProvisionState(tx, {
          nodeUuid: i.nodeUuid,
          from: i.from,
          to: i.to,
          history: { nodeId: node?.id, actor: i.actor, requestId: i.requestId, event: `${i.from} -> ${i.to}` },
        }),
      );
    },

    /** Shows the step running now as the node's deploy_step or clean_step (null: none), with a history row. */
    async setCurrentStep(i: {
      nodeUuid: string;
      kind: 'deploy' | 'clean';
      step: StepRef | null;
      actor?: string;
      requestId?: string;
    }): Promise<void> {
      const value = JSON.stringify(i.step ? stepField(i.step) : {});
      await db.$transaction(async (tx) => {
        const node = await tx.node.findUnique({ where: { uuid: i.nodeUuid }, select: { id: true } });
        await tx.node.updateMany({ where: { uuid: i.nodeUuid }, data: i.kind === 'deploy' ? { deployStep: value } : { cleanStep: value } });
        if (i.step) {
          await writeHistory(tx, {
            nodeId: node?.id,
            nodeUuid: i.nodeUuid,
            eventType: i.kind,
            actor: i.actor,
            requestId: i.requestId,
            event: `${i.kind}: ${i.kind} step ${i.step.interface}.${i.step.step} (priority ${i.step.priority}) started`,
          });
        }
      });
    },
  };
}
