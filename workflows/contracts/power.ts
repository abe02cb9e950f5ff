// Power targets as the API names them, and what each ends in.
export const POWER_TARGETS = ['power on', 'power off', 'rebooting', 'soft power off', 'soft rebooting'] as const;
export type PowerTarget = (typeof POWER_TARGETS)[number];

export function isPowerTarget(s: unknown): s is PowerTarget {
  return typeof s === 'string' && (POWER_TARGETS as readonly string[]).includes(s);
}

/** The state a target ends in (Ironic records this as target_power_state). */
export function resultingPowerState(t: PowerTarget): 'power on' | 'power off' {
  return t === 'power off' || t === 'soft power off' ? 'power off' : 'power on';
}

export const BOOT_DEVICES = ['pxe', 'disk', 'cdrom', 'bios', 'safe'] as const;
export type BootDeviceName = (typeof BOOT_DEVICES)[number];

export interface PowerInput {
  nodeUuid: string;
  target: PowerTarget;
  /** Seconds a soft power off may take before a hard power off. */
  timeoutSec: number;
  actor: string;
  requestId: string;
}

export interface BootDeviceInput {
  nodeUuid: string;
  device: BootDeviceName;
  persistent: boolean;
  actor: string;
  requestId: string;
}

export interface PowerSyncSettings {
  intervalSec: number;
  failureLimit: number;
  force: boolean;
  batchSize: number;
  jitterMs: number;
}

/** One power-sync workflow per task queue (site). */
export function powerSyncWorkflowId(taskQueue: string): string {
  return `power-sync-${taskQueue}`;
}
