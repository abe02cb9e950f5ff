// Interfaces named `agent` that consumers enroll with (metal3 always sends
// inspect_interface: agent; Ironic's ipmi type offers raid_interface: agent). Inspection
// runs the ramdisk in inspect mode (workflows/inspect-node.ts); RAID needs an agent that
// Ironflow does not run yet: the name validates, and RAID clean steps answer a clear error.
import type { DriverInterface } from './interface';

export const AGENT_INSPECT: DriverInterface = { type: 'inspect', name: 'agent' };
export const AGENT_RAID: DriverInterface = { type: 'raid', name: 'agent', notImplemented: 'RAID configuration by the ramdisk agent' };

/**
 * Rescue by the deploy ramdisk in rescue mode (ramdisk/PROTOCOL.md): it boots with the node's disk
 * untouched, takes the hashed rescue_password over its callback channel and lets `rescue` log in by SSH.
 * It boots through the node's boot interface, as deploy does.
 */
export const AGENT_RESCUE: DriverInterface = { type: 'rescue', name: 'agent' };
