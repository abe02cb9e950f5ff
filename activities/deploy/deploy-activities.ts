// The deploy's data-path activities: image cache, boot configs, iSCSI write and
// verify. Inputs are ids; image URLs, secrets and CHAP credentials are read from
// the database here and never pass through Temporal.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../../prisma/database';
import { openSecrets, type SealKeys } from '../../prisma/sealed-json';
import { checksumFromIronic, ImageCache } from '../images';
import { verifyImage, writeImage } from '../iscsi';
import { removeBootConfigs, writeBootConfigs, type BootSpec, type DeployMode } from '../pxe';
import { typed } from '../shared/failure';
import { bootFileDirs, resolveBootFile } from './boot-file-source';
import type { DeploymentStore, RamdiskCommand } from './deployments';
import { removeDhcpHosts, writeDhcpHosts } from './dhcp-hosts';

export interface DeployConfig {
  /** TFTP/HTTP boot root the nodes PXE-boot from. */
  bootRoot: string;
  /** Default deploy kernel and ramdisk files (driver_info.deploy_kernel/deploy_ramdisk override). */
  deployKernel: string;
  deployRamdisk: string;
  /** Per-node boot files (deploy_kernel, kernel, ...) must lie here or beside the default deploy kernel/ramdisk. */
  imageDir?: string;
  /** Base URL the ramdisk calls back to, e.g. http://10.0.0.1:6385. */
  callbackBase: string;
  /** Base URL of the image server for direct mode, e.g. http://10.0.0.1:6386. */
  imageServerBase: string;
  /** IQN prefix; the node's UUID is appended. */
  iqnPrefix: string;
  /** Extra kernel parameters for the deploy ramdisk (e.g. console=ttyS0). */
  ramdiskAppend?: string;
  /** How long a deployment's secret stays valid. */
  deploymentTtlSec: number;
  /** dnsmasq `dhcp-hostsdir` for provisioning nodes' host entries. */
  dhcpHostsDir: string;
}

export interface DeployActivityDeps {
  db: Database;
  keys: SealKeys;
  cache: ImageCache;
  deployments: DeploymentStore;
  deploy: DeployConfig;
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

export function createDeployActivities({ db, keys, cache, deployments, deploy }: DeployActivityDeps) {
  async function node(uuid: string) {
    const n = await db.node.findUnique({ where: { uuid }, include: { ports: true } });
    if (!n) throw ApplicationFailure.nonRetryable(`Node ${uuid} could not be found.`, 'NodeNotFound');
    return n;
  }

  return {
    /** Checks what a deploy needs before touching anything. Returns the deploy mode. */
    async validateDeploy(nodeUuid: string): Promise<{ mode: DeployMode }> {
      const n = await node(nodeUuid);
      const info = openSecrets(json(n.instanceInfo), keys);
      const problems: string[] = [];
      if (typeof info.image_source !== 'string' || !info.image_source) problems.push('instance_info.image_source is not set');
      try {
        checksumFromIronic(info as never);
      } catch (e) {
        problems.push(`instance_info checksum: ${(e as Error).message}`);
      }
      if (!n.ports.some((p) => p.pxeEnabled)) problems.push('the node has no port with PXE enabled');
      if (problems.length) throw ApplicationFailure.nonRetryable(`Cannot deploy node ${nodeUuid}: ${problems.join('; ')}.`, 'InvalidDeployParameters');
      const ifaces = json(n.interfaces) as { deploy?: string };
      return { mode: ifaces.deploy === 'direct' ? 'direct' : 'iscsi' };
    },

    /** Downloads, verifies and converts the image once (single-flight), pinned for holder. */
    async cacheImage(i: { nodeUuid: string; holder: string }): Promise<{ key: string; sizeBytes: number; format: string; downloaded: boolean; converted: boolean }> {
      const n = await node(i.nodeUuid);
      const info = openSecrets(json(n.instanceInfo), keys);
      const ctx = Context.current();
      const r = await typed(() =>
        cache.ensure(String(info.image_source), checksumFromIronic(info as never), {
          pinFor: i.holder,
          signal: ctx.cancellationSignal,
          onProgress: (bytes, phase) => ctx.heartbeat({ bytes, phase }),
        }),
      );
      // A disk size recorded for the node lets us refuse an image too large before booting anything.
      const localGb = Number(json(n.properties).local_gb);
      if (Number.isFinite(localGb) && localGb > 0 && r.sizeBytes > localGb * 1024 ** 3) {
        await cache.unpin(r.key, i.holder);
        throw ApplicationFailure.nonRetryable(
          `The image is ${r.sizeBytes} bytes but node ${i.nodeUuid} has a ${localGb} GiB disk (properties.local_gb): choose a smaller image or a larger node. Nothing was written.`,
          'ImageTooLarge',
        );
      }
      return { key: r.key, sizeBytes: r.sizeBytes, format: r.format, downloaded: r.downloaded, converted: r.converted };
    },

    /** Unpins the image; with nodeUuid also drops the node's hard link (else it would keep the image's blocks forever). */
    async releaseImage(i: { key: string; holder: string; nodeUuid?: string }): Promise<void> {
      await cache.unlinkFor(i.key, i.holder).catch(() => undefined);
      if (i.nodeUuid) await cache.unlinkFor(i.key, i.nodeUuid);
      await cache.unpin(i.key, i.holder);
    },

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
      const deadline = Date.now() + i.timeoutMs;
      for (;;) {
        if (await deployments.doneDelivered(i.deploymentId)) return true;
        if (Date.now() > deadline) return false;
        Context.current().heartbeat();
        await Context.current().sleep(250);
      }
    },

    /** Per-MAC pxelinux and iPXE configs that boot the deploy ramdisk for this deployment. */
    async writeDeployBootConfig(i: { nodeUuid: string; deploymentId: string; mode: DeployMode }): Promise<string[]> {
      const n = await node(i.nodeUuid);
      const s = await deployments.secrets(i.deploymentId);
      const info = openSecrets(json(n.driverInfo), keys);
      const macs = n.ports.filter((p) => p.pxeEnabled).map((p) => p.address);
      const iscsi = s.chap ? { iqn: `${deploy.iqnPrefix}:${n.uuid}`, port: 3260, chapUser: s.chap.user, chapSecret: s.chap.secret } : undefined;
      const d = await db.deployment.findUniqueOrThrow({ where: { id: i.deploymentId } });
      const boot: BootSpec = {
        kind: 'deploy',
        kernelFile: await typed(() => resolveBootFile('driver_info.deploy_kernel', info.deploy_kernel, deploy.deployKernel, bootFileDirs(deploy))),
        ramdiskFile: await typed(() => resolveBootFile('driver_info.deploy_ramdisk', info.deploy_ramdisk, deploy.deployRamdisk, bootFileDirs(deploy))),
        deploymentId: i.deploymentId,
        secret: s.secret,
        callbackUrl: `${deploy.callbackBase}/v1/deployments/${i.deploymentId}/callback`,
        mode: i.mode,
        iscsi: i.mode === 'direct' ? undefined : iscsi,
        imageUrl: i.mode === 'direct' && s.imageToken ? `${deploy.imageServerBase}/images/${i.deploymentId}/${s.imageToken}` : undefined,
        // The ramdisk verifies the raw bytes it wrote, so it gets the raw image's digest (not the qcow2's).
        imageChecksum: i.mode === 'direct' && d.imageKey ? `sha256:${await sha256File(await cache.linkFor(d.imageKey, n.uuid))}` : undefined,
        append: deploy.ramdiskAppend,
      };
      const r = await typed(() => writeBootConfigs(deploy.bootRoot, { macs, boot }));
      await typed(() => writeDhcpHosts(deploy.dhcpHostsDir, macs));
      return r.files;
    },

    /** After the image is written: boot from the local disk (or netboot the user kernel). */
    async writeFinalBootConfig(nodeUuid: string): Promise<void> {
      const n = await node(nodeUuid);
      const info = openSecrets(json(n.instanceInfo), keys);
      const macs = n.ports.filter((p) => p.pxeEnabled).map((p) => p.address);
      const dirs = bootFileDirs(deploy);
      const boot: BootSpec =
        typeof info.kernel === 'string' && typeof info.ramdisk === 'string'
          ? {
            kind: 'netboot',
            kernelFile: await typed(() => resolveBootFile('instance_info.kernel', info.kernel, '', dirs)),
            ramdiskFile: await typed(() => resolveBootFile('instance_info.ramdisk', info.ramdisk, '', dirs)),
            root: String(info.root_device ?? '/dev/sda1'),
          }
          : { kind: 'local' };
      await typed(() => writeBootConfigs(deploy.bootRoot, { macs, boot }));
      // A node that boots from its own disk needs no provisioning DHCP any more; a netbooted one does.
      if (boot.kind === 'local') await removeDhcpHosts(deploy.dhcpHostsDir, macs);
    },

    async removeBootConfigs(nodeUuid: string): Promise<void> {
      const n = await db.node.findUnique({ where: { uuid: nodeUuid }, include: { ports: true } });
      if (!n) return;
      await typed(() => removeBootConfigs(deploy.bootRoot, n.ports.map((p) => p.address)));
      await removeDhcpHosts(deploy.dhcpHostsDir, n.ports.map((p) => p.address));
    },

    /** Writes the cached raw image to the node's disk over iSCSI; resumes from its last heartbeat. */
    async writeImageToNode(i: { nodeUuid: string; deploymentId: string; imageKey: string; address: string; port: number; iqn: string }): Promise<{ bytesWritten: number; resumedFrom: number; durationMs: number }> {
      const s = await deployments.secrets(i.deploymentId);
      if (!s.chap) throw ApplicationFailure.nonRetryable('This deployment has no CHAP credentials.', 'NoChap');
      const rawPath = await cache.linkFor(i.imageKey, i.nodeUuid);
      const ctx = Context.current();
      const resume = (ctx.info.heartbeatDetails as { bytesWritten?: number } | undefined)?.bytesWritten ?? 0;
      const r = await typed(() =>
        writeImage({
          rawPath, portal: { address: i.address, port: i.port }, iqn: i.iqn, lun: 1, chap: s.chap!,
          resumeFrom: resume, signal: ctx.cancellationSignal,
          onProgress: (bytesWritten) => ctx.heartbeat({ bytesWritten }),
        }),
      );
      return { bytesWritten: r.bytesWritten, resumedFrom: r.resumedFrom, durationMs: r.durationMs };
    },

    async verifyNodeImage(i: { nodeUuid: string; deploymentId: string; imageKey: string; address: string; port: number; iqn: string }): Promise<number> {
      const s = await deployments.secrets(i.deploymentId);
      const rawPath = await cache.linkFor(i.imageKey, i.nodeUuid);
      const r = await typed(() => verifyImage({ rawPath, portal: { address: i.address, port: i.port }, iqn: i.iqn, lun: 1, chap: s.chap! }));
      return r.comparedBytes;
    },

    /** Moves the node between transitional states (deploying ⇄ wait call-back). */
    async moveProvisionState(i: { nodeUuid: string; from: string; to: string }): Promise<void> {
      await db.node.updateMany({ where: { uuid: i.nodeUuid, provisionState: i.from }, data: { provisionState: i.to, provisionUpdatedAt: new Date(), updatedAt: new Date() } });
    },
  };
}
