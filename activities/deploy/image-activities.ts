// The image phase of a deploy: what it needs is checked, then the image is
// downloaded, verified and converted once into the cache, pinned for the deploy.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { openSecrets } from '#prisma/sealed-json';
import { configDriveProblem } from '#workflows/domain/config-drive';
import { bootsFromVirtualMedia, deployNeeds, resolveInterfaces } from '#workflows/domain/drivers';
import { nodeGunzip } from '../configdrive';
import { checksumFromIronic } from '../images';
import type { DeployMode } from '../pxe';
import { typed } from '../shared/failure';
import { json, nodeWithPorts, type DeployActivityDeps } from './deploy-deps';

export function createImageActivities({ db, keys, cache }: Pick<DeployActivityDeps, 'db' | 'keys' | 'cache'>) {
  return {
    /** Checks what a deploy needs before touching anything. Returns the deploy mode and interface (and virtualMedia for a virtual-media boot). */
    async validateDeploy(nodeUuid: string): Promise<{ mode: DeployMode; deployInterface: string; virtualMedia?: true }> {
      const n = await nodeWithPorts(db, nodeUuid);
      const fields = { driver: n.driver, interfaces: json(n.interfaces) };
      const deployInterface = resolveInterfaces(fields).interfaces.deploy?.name ?? 'iscsi';
      const mode: DeployMode = deployInterface === 'direct' ? 'direct' : 'iscsi';
      const needs = deployNeeds(fields);
      // Only virtual-media nodes carry the flag: every other result stays as it was.
      const vm = bootsFromVirtualMedia(fields) ? { virtualMedia: true as const } : {};
      if (!needs.image) return { mode, deployInterface, ...vm };
      const info = openSecrets(json(n.instanceInfo), keys);
      const problems: string[] = [];
      if (typeof info.image_source !== 'string' || !info.image_source) problems.push('instance_info.image_source is not set');
      try {
        checksumFromIronic(info as never);
      } catch (e) {
        problems.push(`instance_info checksum: ${(e as Error).message}`);
      }
      if (needs.pxePort && !n.ports.some((p) => p.pxeEnabled)) problems.push('the node has no port with PXE enabled');
      // A config drive the iscsi deploy would write but cannot use fails here, before anything is booted or
      // written (direct mode does not write config drives yet).
      if (mode === 'iscsi' && info.configdrive !== undefined && info.configdrive !== null) {
        const why = configDriveProblem(info.configdrive, nodeGunzip);
        if (why) problems.push(`instance_info.configdrive: ${why}`);
      }
      if (problems.length)
        throw ApplicationFailure.nonRetryable(`Cannot deploy node ${nodeUuid}: ${problems.join('; ')}.`, 'InvalidDeployParameters');
      return { mode, deployInterface, ...vm };
    },

    /** Downloads, verifies and converts the image once (single-flight), pinned for holder. */
    async cacheImage(i: {
      nodeUuid: string;
      holder: string;
    }): Promise<{ key: string; sizeBytes: number; format: string; downloaded: boolean; converted: boolean; configDrive?: true }> {
      const n = await nodeWithPorts(db, i.nodeUuid);
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
      // Whether a config drive goes after the image (a flag only: the drive itself never enters the history).
      const configDrive = info.configdrive !== undefined && info.configdrive !== null ? { configDrive: true as const } : {};
      return { key: r.key, sizeBytes: r.sizeBytes, format: r.format, downloaded: r.downloaded, converted: r.converted, ...configDrive };
    },

    /** Unpins the image; with nodeUuid also drops the node's hard link (else it would keep the image's blocks forever). */
    async releaseImage(i: { key: string; holder: string; nodeUuid?: string }): Promise<void> {
      await cache.unlinkFor(i.key, i.holder).catch(() => undefined);
      if (i.nodeUuid) await cache.unlinkFor(i.key, i.nodeUuid);
      await cache.unpin(i.key, i.holder);
    },
  };
}
