// The disk phase of an iscsi deploy: the worker reaches the node's disk through the
// ramdisk's iSCSI target (IscsiTarget), optionally erases its metadata, writes the
// cached raw image (resuming from its last heartbeat) and verifies it. The CHAP
// credentials are read from the deployment record here, never from the input.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { IscsiTarget } from '#workflows/contracts/deploy';
import { eraseLunMetadata, verifyImage, writeImage, type IscsiLun } from '../iscsi';
import { typed } from '../shared/failure';
import type { DeployActivityDeps } from './deploy-deps';

export function createDiskActivities({ cache, deployments }: Pick<DeployActivityDeps, 'cache' | 'deployments'>) {
  async function lunOf(t: IscsiTarget): Promise<IscsiLun & { chap: { user: string; secret: string } }> {
    const s = await deployments.secrets(t.deploymentId);
    if (!s.chap) throw ApplicationFailure.nonRetryable('This deployment has no CHAP credentials.', 'NoChap');
    return { portal: { address: t.address, port: t.port }, iqn: t.iqn, lun: 1, chap: s.chap };
  }

  return {
    /** Writes the cached raw image to the node's disk over iSCSI; resumes from its last heartbeat. */
    async writeImageToNode(t: IscsiTarget): Promise<{ bytesWritten: number; resumedFrom: number; durationMs: number }> {
      const lun = await lunOf(t);
      const rawPath = await cache.linkFor(t.imageKey, t.nodeUuid);
      const ctx = Context.current();
      const resume = (ctx.info.heartbeatDetails as { bytesWritten?: number } | undefined)?.bytesWritten ?? 0;
      const r = await typed(() =>
        writeImage({
          ...lun,
          rawPath,
          resumeFrom: resume,
          signal: ctx.cancellationSignal,
          onProgress: (bytesWritten) => ctx.heartbeat({ bytesWritten }),
        }),
      );
      return { bytesWritten: r.bytesWritten, resumedFrom: r.resumedFrom, durationMs: r.durationMs };
    },

    async verifyNodeImage(t: IscsiTarget): Promise<number> {
      const lun = await lunOf(t);
      const rawPath = await cache.linkFor(t.imageKey, t.nodeUuid);
      const r = await typed(() => verifyImage({ ...lun, rawPath }));
      return r.comparedBytes;
    },

    /** Zeroes the first and last MiB of the node's disk (the deploy step deploy.erase_devices_metadata). */
    async eraseNodeDiskMetadata(t: IscsiTarget): Promise<{ offset: number; size: number }[]> {
      const lun = await lunOf(t);
      return typed(() => eraseLunMetadata(lun, { signal: Context.current().cancellationSignal }));
    },
  };
}
