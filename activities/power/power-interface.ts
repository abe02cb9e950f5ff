// What the power activities need from a power or management interface. Each
// implementation (IPMI native, ipmitool, fake, later Redfish) satisfies it; the
// worker builds one map, interface name -> implementation, and the registry
// (workflows/domain/drivers) says which name a node uses for power and which for
// management. Implementations get the node row and its driver_info opened; the
// secrets in it stay inside the worker.
import type { Node } from '#prisma/generated/sqlite/client';
import type { BootDevice, PowerState } from '#workflows/contracts/power';

export type { BootDevice, PowerState };
export type PowerAction = 'on' | 'off' | 'cycle' | 'reset' | 'soft';

export interface BootDeviceSetting {
  bootDevice: BootDevice | null;
  persistent: boolean | null;
  uefi?: boolean | null;
}

/** One node as an implementation sees it: its row and its driver_info in the clear (already checked by the registry). */
export interface NodeHardware {
  node: Node;
  driverInfo: Readonly<Record<string, unknown>>;
}

export interface PowerInterface {
  /** Reads the power state; waitForPowerState polls this until it reports what it waits for. */
  getPowerState(n: NodeHardware): Promise<PowerState>;
  /** Starts a power action; success when the hardware took the request (on when on is success). */
  setPower(n: NodeHardware, action: PowerAction): Promise<void>;
  getBootDevice(n: NodeHardware): Promise<BootDeviceSetting>;
  /** uefi: the request carries the EFI flag ("BIOS boot type = EFI"), so the firmware boots the device in UEFI mode. */
  setBootDevice(n: NodeHardware, device: BootDevice, opts: { persistent: boolean; uefi?: boolean }): Promise<void>;
  /** Sends the host a non-maskable interrupt (management interfaces; Ironic's inject_nmi). */
  injectNmi(n: NodeHardware): Promise<void>;
  /** Releases sessions and processes when the worker stops. */
  close(): Promise<void>;
  /** Virtual media (Redfish): eject whatever is in the slot, then insert url; eject empties it. Absent where the BMC has none. */
  virtualMedia?: VirtualMedia;
}

/** A BMC's virtual media slots as Ironflow uses them: the deploy ISO in `cd`, a config drive in `usb`. */
export type VirtualMediaSlot = 'cd' | 'usb';

/** Virtual media of a BMC that has it (Redfish): insert ejects what is in the slot first. */
export interface VirtualMedia {
  insert(n: NodeHardware, slot: VirtualMediaSlot, url: string): Promise<void>;
  eject(n: NodeHardware, slot: VirtualMediaSlot): Promise<void>;
}

/** Interface name (power_interface / management_interface) -> implementation. */
export type PowerInterfaces = Readonly<Record<string, PowerInterface>>;
