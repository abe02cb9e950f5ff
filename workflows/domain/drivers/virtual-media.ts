// Virtual-media boot (redfish-virtual-media): the BMC mounts a deploy ISO the worker
// builds (kernel + ramdisk + the PXE config's parameters) as a virtual CD, and the node
// boots it once. No PXE port needed; without DHCP, the ramdisk's address comes from
// driver_info (deploy_ip_address, deploy_gateway), which the ISO's command line carries.
import type { DriverInfoOptions, DriverInterface } from './interface';
import { checkDeployRamdiskInfo, PXE_PROPERTIES } from './pxe';

export const VIRTUAL_MEDIA_PROPERTIES: Readonly<Record<string, string>> = {
  ...PXE_PROPERTIES,
  deploy_ip_address:
    "The deploy ramdisk's static IPv4 address with its prefix length (e.g. 10.0.0.15/24), on the NIC of the node's PXE-enabled port (else its first NIC). Optional: without it the ramdisk asks DHCP.",
  deploy_gateway: "The deploy ramdisk's default gateway (IPv4), with deploy_ip_address. Optional.",
};

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function given(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}

/** deploy_kernel/deploy_ramdisk as for PXE, plus the static address and gateway when given. */
export function checkVirtualMediaInfo(info: Record<string, unknown>, opts: DriverInfoOptions = {}): string[] {
  const reasons = checkDeployRamdiskInfo(info, opts);
  const a = info.deploy_ip_address;
  if (given(a)) {
    const m = typeof a === 'string' ? /^([0-9.]+)\/(\d{1,2})$/.exec(a) : null;
    if (!m || !IPV4.test(m[1]!) || Number(m[2]) < 1 || Number(m[2]) > 32)
      reasons.push(
        `Invalid driver_info.deploy_ip_address ${JSON.stringify(a)}: expected an IPv4 address with its prefix length, e.g. 10.0.0.15/24.`,
      );
  }
  const g = info.deploy_gateway;
  if (given(g)) {
    if (typeof g !== 'string' || !IPV4.test(g))
      reasons.push(`Invalid driver_info.deploy_gateway ${JSON.stringify(g)}: expected an IPv4 address.`);
    else if (!given(a)) reasons.push('driver_info.deploy_gateway needs driver_info.deploy_ip_address.');
  }
  return reasons;
}

export const REDFISH_VIRTUAL_MEDIA_BOOT: DriverInterface = {
  type: 'boot',
  name: 'redfish-virtual-media',
  properties: VIRTUAL_MEDIA_PROPERTIES,
  driverInfoProblems: checkVirtualMediaInfo,
  needsPxePort: false,
  virtualMedia: true,
};
