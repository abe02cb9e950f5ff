// The seam between the Redfish BMC emulator (the HTTP side: resource tree, auth,
// ETags, fault injection) and whatever plays the machine behind it: an in-memory
// node for the simulated lab (memory-backend.ts) or a QEMU VM for the VM lab.
// The emulator calls these; a backend never sees HTTP.
export type ResetType = 'On' | 'ForceOff' | 'GracefulShutdown' | 'GracefulRestart' | 'ForceRestart' | 'PowerCycle' | 'Nmi';
export type BootTarget = 'None' | 'Pxe' | 'Hdd' | 'Cd' | 'Usb';
export interface RedfishBackend {
  powerState(): Promise<'On' | 'Off'>;
  reset(type: ResetType): Promise<void>;
  setBootOverride(o: { target: BootTarget; enabled: 'Disabled' | 'Once' | 'Continuous'; mode?: 'Legacy' | 'UEFI' }): Promise<void>;
  insertMedia(slot: 'Cd' | 'Usb', imageUrl: string): Promise<void>;
  ejectMedia(slot: 'Cd' | 'Usb'): Promise<void>;
  close(): Promise<void>;
}
