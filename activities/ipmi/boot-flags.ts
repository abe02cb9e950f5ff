// Boot flags <-> the driver's BootDeviceSetting, shared by both drivers so they
// report exactly the same thing for the same bytes.
import { decodeBootFlags, type BootFlags } from './rmcp/commands';
import { BOOT_DEVICES, type BootDevice, type BootDeviceSetting } from './driver';

/**
 * Like Ironic, reports the device selector whether or not the BMC kept the
 * "valid" bit (ipmi_sim never does); "no override" and devices we do not name
 * become null.
 */
export function toBootDeviceSetting(f: BootFlags): BootDeviceSetting {
  const dev = f.device && (BOOT_DEVICES as readonly string[]).includes(f.device) ? (f.device as BootDevice) : null;
  return { bootDevice: dev, persistent: f.persistent, uefi: f.uefi };
}

/** Parses the 5 boot-flag bytes from hex such as ipmitool's "Boot parameter data: 8004000000". */
export function bootSettingFromHex(hex: string): BootDeviceSetting {
  return toBootDeviceSetting(decodeBootFlags(Buffer.from(hex, 'hex')));
}
