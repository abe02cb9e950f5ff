// Network boot (pxe, ipxe) and the deploys that write an image (iscsi, direct): the
// deploy ramdisk they boot is named in driver_info, the image in instance_info.
import { deployBootFileProblem } from '../image-refs';
import type { DriverInfoOptions, DriverInterface } from './interface';

export const PXE_PROPERTIES: Readonly<Record<string, string>> = {
  deploy_kernel:
    'Deploy ramdisk kernel: http(s):// URL (fetched into the image cache) or file:// URL or absolute path of a file in the image directory or beside the default deploy kernel. Optional; defaults from config.',
  deploy_ramdisk:
    'Deploy ramdisk initramfs: http(s):// URL (fetched into the image cache) or file:// URL or absolute path of a file in the image directory or beside the default deploy ramdisk. Optional; defaults from config.',
};

/** deploy_kernel/deploy_ramdisk name files the worker copies into the TFTP root: http(s) URLs it fetches, or local files with no climbing out. */
export function checkDeployRamdiskInfo(info: Record<string, unknown>, _opts: DriverInfoOptions = {}): string[] {
  const reasons: string[] = [];
  for (const k of ['deploy_kernel', 'deploy_ramdisk'] as const) {
    const problem =
      info[k] === undefined || info[k] === null || info[k] === '' ? undefined : deployBootFileProblem(`Invalid driver_info.${k}`, info[k]);
    if (problem) reasons.push(problem);
  }
  return reasons;
}

function networkBoot(name: string): DriverInterface {
  return { type: 'boot', name, properties: PXE_PROPERTIES, driverInfoProblems: checkDeployRamdiskInfo, needsPxePort: true };
}

export const PXE_BOOT = networkBoot('pxe');
export const IPXE_BOOT = networkBoot('ipxe');

/** The ramdisk exports the disk and the worker writes the image over iSCSI. */
export const ISCSI_DEPLOY: DriverInterface = { type: 'deploy', name: 'iscsi', needsImage: true };
/** The ramdisk pulls the image over HTTP from the worker's image server. */
export const DIRECT_DEPLOY: DriverInterface = { type: 'deploy', name: 'direct', needsImage: true };
