// The power/boot interface every IPMI driver implements (native RMCP+ client,
// ipmitool). Errors are the typed ones from ./rmcp (IpmiAuthError,
// IpmiUnsupportedCipherError, IpmiTimeoutError, IpmiCompletionCodeError), whose
// `retryable` property says whether trying again can help.
import type { BootDevice, PowerState } from '#workflows/contracts/power';

export type { BootDevice, PowerState };
export type PowerAction = 'on' | 'off' | 'cycle' | 'reset' | 'soft';

export interface BmcTarget {
  address: string;
  port: number;
  username: string;
  password: string;
  cipherSuite?: 3 | 17;
}

export interface BootDeviceSetting {
  bootDevice: BootDevice | null;
  persistent: boolean | null;
  uefi?: boolean | null;
}

export interface PowerDriver {
  getPowerState(t: BmcTarget): Promise<PowerState>;
  setPower(t: BmcTarget, action: PowerAction): Promise<void>;
  getBootDevice(t: BmcTarget): Promise<BootDeviceSetting>;
  setBootDevice(t: BmcTarget, dev: BootDevice, opts: { persistent: boolean; uefi?: boolean }): Promise<void>;
  /** Chassis Control "pulse diagnostic interrupt" (an NMI to the host). */
  injectNmi(t: BmcTarget): Promise<void>;
  close(): Promise<void>;
}

export const BOOT_DEVICES: readonly BootDevice[] = ['pxe', 'disk', 'cdrom', 'bios', 'safe'];
