// Signals, queries and inputs of the deploy, teardown and clean workflows.
import type { ProvisionInput } from './operations';
import type { Inventory } from './inventory';
import type { BootMode } from './power';
import type { ResolvedCleanStep, ResolvedStep } from './steps';

/**
 * What the ramdisk is booted for: the image reaches the disk through its iSCSI target or written by
 * the ramdisk (direct), erasing the disks, reporting the machine's inventory (inspect), or a login for
 * the node's owner with the disk untouched (rescue, PROTOCOL.md).
 */
export type DeployMode = 'iscsi' | 'direct' | 'erase' | 'inspect' | 'rescue';

/** What the ramdisk told the API (secrets stripped), forwarded to the workflow. */
export interface RamdiskEvent {
  deploymentId: string;
  seq: number;
  event: 'ready' | 'disks' | 'progress' | 'result' | 'error' | 'inventory' | 'rescue';
  address?: string;
  port?: number;
  iqn?: string;
  ok?: boolean;
  error?: string;
  checksum?: string;
  bytesDone?: number;
  bytesTotal?: number;
  phase?: string;
  mode?: string;
  verify?: unknown;
  disks?: { path: string; size_bytes: number; model?: string; rotational?: boolean }[];
  /** inspect mode: what the machine is made of (checked for shape and size by the API). Never signalled: see inventoryId. */
  inventory?: Inventory;
  /** inspect mode: the stored inventory (node_inventories row) the API kept; the workflow reads it by this id. */
  inventoryId?: string;
}

export interface StepView {
  name: string;
  status: 'running' | 'done' | 'failed' | 'skipped';
  startedAt: string;
  endedAt?: string;
  detail?: string;
}

export interface TimelineView {
  kind: string;
  steps: StepView[];
  current: string | null;
  bytesDone?: number;
  bytesTotal?: number;
}

export type EraseMode = 'metadata' | 'full';

export interface DeployInput extends ProvisionInput {
  /** Task queue of the node's site (conductor_group) for hardware-facing activities. */
  hardwareQueue: string;
  /** How long to wait for the ramdisk to call back (seconds). */
  callbackTimeoutSec: number;
  /** The node's boot mode (resolved by the API): the EFI flag of boot-device requests. Absent in runs started before boot modes. */
  bootMode?: BootMode;
  /** The deploy steps to run, in order (resolved by the API). Absent in runs started before steps: the defaults. */
  deploySteps?: ResolvedStep[];
  /**
   * The late-timer rule of the callback wait (ramdisk-session.ts), for tests that cannot wait
   * minutes: a timer this late means an outage (default 15 s), then listen this long before
   * power-cycling (default 120 s). The API never sets it.
   */
  lateTimer?: { lateMs?: number; graceMs?: number };
}

export interface CleanInput extends DeployInput {
  /** Kept for runs started before clean steps; cleanSteps wins when present. */
  eraseMode: EraseMode | 'none';
  /** The clean steps to run, in order (resolved by the API; [] = none). */
  cleanSteps?: ResolvedCleanStep[];
}

export interface RescueInput extends DeployInput {
  /** The node's rescue interface: `agent` boots the ramdisk in rescue mode; `fake` (fake-hardware) only moves the states. */
  rescueInterface: string;
}

/** Where the worker reaches a node's disk: the deploy ramdisk's iSCSI target (CHAP from the deployment record). */
export interface IscsiTarget {
  nodeUuid: string;
  deploymentId: string;
  imageKey: string;
  address: string;
  port: number;
  iqn: string;
}

export const ramdiskEventSignal = 'ramdiskEvent';
export const abortSignal = 'abortOperation';
export const progressQuery = 'operationProgress';
