// Power targets as the API names them, and what each ends in.
export const POWER_TARGETS = ['power on', 'power off', 'rebooting', 'soft power off', 'soft rebooting'] as const;
export type PowerTarget = (typeof POWER_TARGETS)[number];

export function isPowerTarget(s: unknown): s is PowerTarget {
  return typeof s === 'string' && (POWER_TARGETS as readonly string[]).includes(s);
}

/** A node's power state as Ironic names it (the settled states a BMC reports). */
export type PowerState = 'power on' | 'power off';

/** The state a target ends in (Ironic records this as target_power_state). */
export function resultingPowerState(t: PowerTarget): PowerState {
  return t === 'power off' || t === 'soft power off' ? 'power off' : 'power on';
}

export const BOOT_DEVICES = ['pxe', 'disk', 'cdrom', 'bios', 'safe'] as const;
/** A boot device a node can be told to boot from next. */
export type BootDevice = (typeof BOOT_DEVICES)[number];
/** The name the API uses for a boot device (the same set). */
export type BootDeviceName = BootDevice;

/** Firmware boot modes: legacy BIOS or UEFI (Ironic's boot_mode values). */
export const BOOT_MODES = ['bios', 'uefi'] as const;
export type BootMode = (typeof BOOT_MODES)[number];

/** patched() id: boot-device requests carry the node's boot mode (histories from before it replay without). */
export const BOOT_MODE_PATCH = 'boot-device-boot-mode';

/** patched() id: a power action's bookkeeping as local activities, one BMC activity per state (earlier runs: five activities). */
export const POWER_ONE_TRIP_PATCH = 'power-one-round-trip';

export interface PowerInput {
  nodeUuid: string;
  target: PowerTarget;
  /** Seconds a soft power off may take before a hard power off. */
  timeoutSec: number;
  actor: string;
  requestId: string;
  /** Task queue of the node's site (conductor_group) for the BMC calls. */
  hardwareQueue?: string;
}

/** inject_nmi: one Chassis Control "pulse diagnostic interrupt" through the node's management interface. */
export interface NmiInput {
  nodeUuid: string;
  hardwareQueue?: string;
  actor: string;
  requestId: string;
}

export interface BootDeviceInput {
  nodeUuid: string;
  hardwareQueue?: string;
  device: BootDeviceName;
  persistent: boolean;
  /** The node's boot mode (resolved by the API); absent in runs started before boot modes: BIOS. */
  bootMode?: BootMode;
  actor: string;
  requestId: string;
}

export interface PowerSyncSettings {
  /** The site whose nodes this sync reads ('' = the default group). */
  conductorGroup?: string;
  intervalSec: number;
  failureLimit: number;
  force: boolean;
  batchSize: number;
  jitterMs: number;
}

/** The task queue of a site's hardware-facing activities: the central queue for the default group. */
export function siteTaskQueue(centralQueue: string, conductorGroup: string): string {
  return conductorGroup ? `${centralQueue}-${conductorGroup}` : centralQueue;
}

/** One power-sync workflow per task queue (site). */
export function powerSyncWorkflowId(taskQueue: string): string {
  return `power-sync-${taskQueue}`;
}
