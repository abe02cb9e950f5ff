// Ironflow's native IPMI v2.0 RMCP+ (lanplus) client. Free of Temporal, NestJS
// and Prisma; Node built-ins only.
export { IpmiClient, type IpmiClientOptions, type IpmiTarget } from './client';
export { CIPHER_SUITES, type CipherSuite, type CipherSuiteId } from './cipher-suites';
export type { BootDeviceName, BootFlags, ChassisAction, ChassisStatus, DeviceId, CommandSpec } from './commands';
export { NetFn } from './commands';
export {
  IpmiAuthError,
  IpmiCompletionCodeError,
  IpmiError,
  IpmiProtocolError,
  IpmiSessionError,
  IpmiTimeoutError,
  IpmiUnsupportedCipherError,
} from './errors';
export { completionCodeName, COMPLETION_CODES } from './codes';
export type { PingResult } from './ping';
