// The disk phase of an iscsi deploy: the worker reaches the node's disk through the
// ramdisk's iSCSI target (IscsiTarget), optionally erases its metadata, writes the
// cached raw image (resuming from its last heartbeat) and verifies it. The CHAP
// credentials are read from the deployment record here, never from the input; so is the config drive
// (instance_info.configdrive), which is built or decoded here and written after the image.
import fs from 'node:fs/promises';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { openSecrets } from '#prisma/sealed-json';
import type { IscsiTarget } from '#workflows/contracts/deploy';
import { parseConfigDriveRequest } from '#workflows/domain/config-drive';
import {
  buildConfigDriveIso,
  configDriveWrites,
  decodeConfigDriveString,
  PartitionPlanError,
  planConfigDrivePartition,
  PLAN_HEAD_BYTES,
} from '../configdrive';
import { eraseLunMetadata, readLunCapacity, verifyImage, writeImage, writeLunWindows, type IscsiLun } from '../iscsi';
import { typed } from '../shared/failure';
import { json, nodeWithPorts, type DeployActivityDeps } from './deploy-deps';

/** The first `n` bytes of a file (fewer if it is shorter). */
async function readHead(file: string, n: number): Promise<{ head: Uint8Array; size: number }> {
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(n, size));
    await fh.read(head, 0, head.length, 0);
    return { head: new Uint8Array(head), size };
  } finally {
    await fh.close();
  }
}

export function createDiskActivities({ db, keys, cache, deployments }: Pick<DeployActivityDeps, 'db' | 'keys' | 'cache' | 'deployments'>) {
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

    /** Zeroes the metadata windows of the node's disk (the deploy step deploy.erase_devices_metadata). */
    async eraseNodeDiskMetadata(t: IscsiTarget): Promise<{ offset: number; size: number }[]> {
      const lun = await lunOf(t);
      return typed(() => eraseLunMetadata(lun, { signal: Context.current().cancellationSignal }));
    },

    /**
     * Writes the node's config drive (instance_info.configdrive) as a partition at the end of the disk, after
     * the image: the ISO is decoded or built here, the partition planned against the cached raw image's head
     * and the LUN's real size, and the plan's windows written over iSCSI. The plan is deterministic, so a
     * retry writes the same bytes. Returns null when the node has no config drive.
     */
    async writeConfigDriveToNode(
      t: IscsiTarget,
    ): Promise<{ table: 'gpt' | 'mbr'; partition: number; offset: number; bytes: number; bytesWritten: number } | null> {
      const n = await nodeWithPorts(db, t.nodeUuid);
      const value = openSecrets(json(n.instanceInfo), keys).configdrive;
      if (value === undefined || value === null) return null;
      const ctx = Context.current();
      return typed(async () => {
        const req = parseConfigDriveRequest(value);
        const iso =
          req.kind === 'image'
            ? decodeConfigDriveString(req.base64)
            : await buildConfigDriveIso(req.document, { uuid: n.uuid, name: n.name }, { signal: ctx.cancellationSignal });
        ctx.heartbeat({ phase: 'drive ready' });
        const lun = await lunOf(t);
        const rawPath = await cache.linkFor(t.imageKey, t.nodeUuid);
        const { head, size } = await readHead(rawPath, PLAN_HEAD_BYTES);
        const diskBytes = await readLunCapacity(lun, { signal: ctx.cancellationSignal });
        let writes;
        let plan;
        try {
          plan = planConfigDrivePartition({ head, imageBytes: size, diskBytes, driveBytes: iso.length, salt: t.nodeUuid });
          writes = configDriveWrites(plan, iso);
        } catch (e) {
          if (e instanceof PartitionPlanError) throw new PartitionPlanError(`Cannot write the config drive: ${e.message}`);
          throw e;
        }
        const bytesWritten = await writeLunWindows(lun, writes, {
          lunBytes: diskBytes,
          signal: ctx.cancellationSignal,
          onProgress: (b) => ctx.heartbeat({ bytesWritten: b }),
        });
        return {
          table: plan.table,
          partition: plan.partition.number,
          offset: plan.partition.offset,
          bytes: plan.partition.bytes,
          bytesWritten,
        };
      });
    },
  };
}
