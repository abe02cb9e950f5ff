// The Redfish unit: a client (auth, TLS, politeness) and the operations Ironflow
// drives through it. Protocol only: no Temporal, NestJS or Prisma here.
export { RedfishClient, type RedfishClientOptions, type RedfishTarget } from './client';
export { RedfishDriver, type RedfishDriverOptions, type MediaSlot, type BootDeviceSetting, type PowerAction } from './driver';
export * from './errors';
