// Interfaces named `agent` that consumers enroll with (metal3 always sends
// inspect_interface: agent; Ironic's ipmi type offers raid_interface: agent). Inspection
// runs the ramdisk in inspect mode (workflows/inspect-node.ts); RAID needs an agent that
// Ironflow does not run yet: the name validates, and RAID clean steps answer a clear error.
import type { DriverInterface } from './interface';

export const AGENT_INSPECT: DriverInterface = { type: 'inspect', name: 'agent' };
export const AGENT_RAID: DriverInterface = { type: 'raid', name: 'agent', notImplemented: 'RAID configuration by the ramdisk agent' };
