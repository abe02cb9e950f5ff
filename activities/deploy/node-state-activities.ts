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

    /** After unrescue, as Ironic: the rescue password's hash leaves instance_info (a compare-and-set on the row). */
    async clearRescuePassword(i: { nodeUuid: string; actor?: string; requestId?: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        const node = await tx.node.findUnique({ where: { uuid: i.nodeUuid }, select: { id: true, instanceInfo: true } });
        if (!node) return;
        const info = JSON.parse(node.instanceInfo) as Record<string, unknown>;
        if (!('hashed_rescue_password' in info) && !('rescue_password' in info)) return;
        delete info.hashed_rescue_password;
        delete info.rescue_password;
        const r = await tx.node.updateMany({
          where: { id: node.id, instanceInfo: node.instanceInfo },
          data: { instanceInfo: JSON.stringify(info), updatedAt: new Date() },
        });
        if (r.count)
          await writeHistory(tx, {
            nodeId: node.id,
            nodeUuid: i.nodeUuid,
            eventType: 'unrescue',
            actor: i.actor,
            requestId: i.requestId,
            event: 'Rescue password removed from instance_info',
          });
      });
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
