// Public surface of the IPMI unit: the PowerDriver interface, its two
// implementations, and the typed errors both throw.
export type { BmcTarget, BootDevice, BootDeviceSetting, PowerAction, PowerDriver, PowerState } from './driver';
export { BOOT_DEVICES } from './driver';
export { NativeIpmiDriver } from './native-driver';
export { IpmitoolDriver, type IpmitoolDriverOptions } from './ipmitool-driver';
export {
  IpmiAuthError,
  IpmiCompletionCodeError,
  IpmiError,
  IpmiProtocolError,
  IpmiSessionError,
  IpmiTimeoutError,
  IpmiUnsupportedCipherError,
  type IpmiClientOptions,
} from './rmcp';
