// Boot configuration and provisioning DHCP: per-MAC pxelinux/iPXE configs that boot
// the deploy ramdisk, then the installed image, and their removal; or (virtual media)
// the deploy ISO in the BMC's virtual CD.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { openSecrets } from '#prisma/sealed-json';
import { isHttpBootFile } from '#workflows/domain/image-refs';
import { encodeRootDeviceHints, parseRootDeviceHints } from '#workflows/domain/root-device-hints';
import type { ImageCache } from '../images';
import { InvalidBootParameterError, removeBootConfigs, writeBootConfigs, type BootSpec, type DeployMode } from '../pxe';
import { asActivityError, typed } from '../shared/failure';
import { buildDeployIso, removeDeployIsos } from '../vmedia';
import { loadBmc } from '../power/bmc-target';
import type { PowerInterfaces } from '../power/power-interface';
import { bootFileDirs, resolveBootFile } from './boot-file-source';
import { json, nodeWithPorts, type DeployActivityDeps } from './deploy-deps';
import { removeDhcpHosts, writeDhcpHosts } from './dhcp-hosts';

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * A deploy ramdisk file: an http(s) URL is fetched into the image cache (once;
 * the boot root then gets a copy), anything else is a local file as before.
 * A fetch failure names the field and the URL (credentials removed).
 */
async function deployBootFile(cache: ImageCache, deploy: DeployActivityDeps['deploy'], field: string, value: unknown, fallback: string) {
  if (!isHttpBootFile(value)) return resolveBootFile(field, value, fallback, bootFileDirs(deploy));
  try {
    return (await cache.ensureFile(value, { signal: Context.current().cancellationSignal })).path;
  } catch (e) {
    const err = e as Error & { retryable?: boolean; type?: string };
    if (err.retryable === undefined) throw e;
    throw Object.assign(new Error(`${field} could not be fetched: ${err.message}`), { retryable: err.retryable, type: err.type });
  }
}

/** The deploy boot of one deployment (kernel, ramdisk, parameters) and the node's PXE MACs: what a PXE config and a deploy ISO carry. */
export async function deployBootSpec(
  { db, keys, cache, deployments, deploy }: DeployActivityDeps,
  i: { nodeUuid: string; deploymentId: string; mode: DeployMode },
): Promise<{ boot: Extract<BootSpec, { kind: 'deploy' }>; macs: string[]; driverInfo: Record<string, unknown> }> {
  const n = await nodeWithPorts(db, i.nodeUuid);
  const s = await deployments.secrets(i.deploymentId);
  const info = openSecrets(json(n.driverInfo), keys);
  const macs = n.ports.filter((p) => p.pxeEnabled).map((p) => p.address);
  const iscsi = s.chap ? { iqn: `${deploy.iqnPrefix}:${n.uuid}`, port: 3260, chapUser: s.chap.user, chapSecret: s.chap.secret } : undefined;
  const d = await db.deployment.findUniqueOrThrow({ where: { id: i.deploymentId } });
  // properties.root_device was checked when written; a bad one (written before the check) is refused here.
  const hints = parseRootDeviceHints(json(n.properties).root_device);
  if ('problems' in hints) {
    throw asActivityError(new InvalidBootParameterError(`Bad root device hints: ${hints.problems.join(' ')}`));
  }
  const boot: Extract<BootSpec, { kind: 'deploy' }> = {
    kind: 'deploy',
    kernelFile: await typed(() => deployBootFile(cache, deploy, 'driver_info.deploy_kernel', info.deploy_kernel, deploy.deployKernel)),
    ramdiskFile: await typed(() => deployBootFile(cache, deploy, 'driver_info.deploy_ramdisk', info.deploy_ramdisk, deploy.deployRamdisk)),
    deploymentId: i.deploymentId,
    secret: s.secret,
    callbackUrl: `${deploy.callbackBase}/v1/deployments/${i.deploymentId}/callback`,
    mode: i.mode,
    iscsi,
    rootDevice: encodeRootDeviceHints(hints.hints) || undefined,
    imageUrl: i.mode === 'direct' && s.imageToken ? `${deploy.imageServerBase}/images/${i.deploymentId}/${s.imageToken}` : undefined,
    // The ramdisk verifies the raw bytes it wrote, so it gets the raw image's digest (not the qcow2's).
    imageChecksum: i.mode === 'direct' && d.imageKey ? `sha256:${await sha256File(await cache.linkFor(d.imageKey, n.uuid))}` : undefined,
    append: deploy.ramdiskAppend,
  };
  return { boot, macs, driverInfo: info };
}

export function createBootActivities(deps: DeployActivityDeps) {
  const { db, keys, deploy } = deps;
  return {
    /** Per-MAC pxelinux and iPXE configs that boot the deploy ramdisk for this deployment. */
    async writeDeployBootConfig(i: { nodeUuid: string; deploymentId: string; mode: DeployMode }): Promise<string[]> {
      const { boot, macs } = await deployBootSpec(deps, i);
      const r = await typed(() => writeBootConfigs(deploy.bootRoot, { macs, boot, httpBootUrl: deploy.httpBootUrl }));
      await typed(() => writeDhcpHosts(deploy.dhcpHostsDir, macs));
      return r.files;
    },

    /** After the image is written: boot from the local disk (or netboot the user kernel). */
    async writeFinalBootConfig(nodeUuid: string): Promise<void> {
      const n = await nodeWithPorts(db, nodeUuid);
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
      await typed(() => writeBootConfigs(deploy.bootRoot, { macs, boot, httpBootUrl: deploy.httpBootUrl }));
      // A node that boots from its own disk needs no provisioning DHCP any more; a netbooted one does.
      if (boot.kind === 'local') await removeDhcpHosts(deploy.dhcpHostsDir, macs);
    },

    async removeBootConfigs(nodeUuid: string): Promise<void> {
      const n = await db.node.findUnique({ where: { uuid: nodeUuid }, include: { ports: true } });
      if (!n) return;
      await typed(() =>
        removeBootConfigs(
          deploy.bootRoot,
          n.ports.map((p) => p.address),
        ),
      );
      await removeDhcpHosts(
        deploy.dhcpHostsDir,
        n.ports.map((p) => p.address),
      );
      // The node's virtual-media deploy ISOs (they hold a deployment secret, as the PXE configs do).
      if (deploy.vmediaDir) await removeDeployIsos(deploy.vmediaDir, nodeUuid);
    },
  };
}

/**
 * Virtual-media boot of the deploy ramdisk (boot interface redfish-virtual-media): the node's
 * deploy ISO is built from what its PXE config would carry (deployBootSpec) plus its static
 * address (driver_info.deploy_ip_address, deploy_gateway), served by the image server under
 * /vmedia/<node>-<sha256>.iso, and put in the BMC's virtual CD. The ISO's URL opens the
 * deployment secret, so it never leaves the activity: the workflow history holds ids only.
 */
export function createVirtualMediaActivities(deps: DeployActivityDeps & { powerInterfaces: PowerInterfaces }) {
  const { db, keys, deploy, powerInterfaces } = deps;
  return {
    /** Builds (or finds) the node's deploy ISO for this deployment and inserts it in the BMC's virtual CD (ejecting first). */
    async insertDeployIso(i: { nodeUuid: string; deploymentId: string; mode: DeployMode }): Promise<void> {
      if (!deploy.vmediaDir)
        throw ApplicationFailure.nonRetryable('This worker serves no virtual media (no vmedia directory configured).', 'NoVirtualMedia');
      const { boot, macs, driverInfo } = await deployBootSpec(deps, i);
      const { kind: _k, kernelFile, ramdiskFile, ...params } = boot;
      const address =
        typeof driverInfo.deploy_ip_address === 'string' && driverInfo.deploy_ip_address ? driverInfo.deploy_ip_address : undefined;
      const gateway = typeof driverInfo.deploy_gateway === 'string' && driverInfo.deploy_gateway ? driverInfo.deploy_gateway : undefined;
      const iso = await typed(() =>
        buildDeployIso(deploy.vmediaDir!, {
          nodeUuid: i.nodeUuid,
          kernelFile,
          ramdiskFile,
          params: { ...params, mac: macs[0], network: address ? { address, gateway } : undefined },
        }),
      );
      const bmc = await loadBmc(db, i.nodeUuid, keys, powerInterfaces);
      try {
        await bmc.ejectMedia('cd');
        await bmc.insertMedia('cd', `${deploy.imageServerBase}/vmedia/${iso.name}`);
      } catch (e) {
        throw asActivityError(e);
      }
    },

    /** Ejects the virtual CD (after the deploy, and on undo); an empty slot is fine. */
    async ejectVirtualMedia(nodeUuid: string): Promise<void> {
      const bmc = await loadBmc(db, nodeUuid, keys, powerInterfaces);
      try {
        await bmc.ejectMedia('cd');
      } catch (e) {
        throw asActivityError(e);
      }
    },
  };
}
