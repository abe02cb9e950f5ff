// Deployment records: one per boot of the deploy ramdisk, the command the ramdisk
// fetches next, and whether it has fetched `done`.
import { Context } from '@temporalio/activity';
import type { DeployMode } from '../pxe';
import type { DeployActivityDeps } from './deploy-deps';
import type { RamdiskCommand } from './deployments';

export function createDeploymentActivities({ deployments, deploy }: Pick<DeployActivityDeps, 'deployments' | 'deploy'>) {
  return {
    async createDeployment(i: { nodeUuid: string; mode: DeployMode; imageKey?: string }): Promise<string> {
      const { workflowId, runId } = Context.current().info.workflowExecution!;
      return deployments.create({ ...i, workflowId, runId, ttlSec: deploy.deploymentTtlSec });
    },

    async setRamdiskCommand(i: { deploymentId: string; command: RamdiskCommand; args?: Record<string, unknown> }): Promise<void> {
      await deployments.setCommand(i.deploymentId, i.command, i.args);
    },

    async closeDeployment(deploymentId: string): Promise<void> {
      await deployments.close(deploymentId);
    },

    /** Polls (heartbeating) until the ramdisk has fetched `done`, or the timeout passes. */
    async waitDoneDelivered(i: { deploymentId: string; timeoutMs: number }): Promise<boolean> {
      const deadline = performance.now() + i.timeoutMs;
      for (;;) {
        if (await deployments.doneDelivered(i.deploymentId)) return true;
        if (performance.now() > deadline) return false;
        Context.current().heartbeat();
        await Context.current().sleep(50);
      }
    },
  };
}
