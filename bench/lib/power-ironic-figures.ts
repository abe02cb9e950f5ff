// Ironic's published figures for the same measurements, from the peer harness in
// ../shared/peers/ironic (README "Figures": Ironic 21.4.4, Debian 12, 2 cores, BMCs at
// distinct address strings, sync_power_state_interval 10 s, min_command_interval 5 s).

export const IRONIC_SOURCE = 'Ironic 21.4.4 measured on this machine type, see shared/peers/ironic';

export interface IronicSyncFigures {
  nodes: number;
  /** The conductor's statsd timer ConductorManager._sync_power_states, seconds. */
  passMedianSec: number;
  passP95Sec: number;
  /** BMCs flipped behind its back until all N nodes read the new state, seconds. */
  flipVisibleSec: number;
  intervalSec: number;
}

export const IRONIC_SYNC: readonly IronicSyncFigures[] = [
  { nodes: 20, passMedianSec: 0.7, passP95Sec: 1.4, flipVisibleSec: 10.8, intervalSec: 10 },
  { nodes: 100, passMedianSec: 2.8, passP95Sec: 4.8, flipVisibleSec: 12.4, intervalSec: 10 },
];

/** Power on/off through the API until done (PUT, then poll GET every 0.1 s). */
export const IRONIC_POWER_ACTION = 'power on/off ≈ 15 s with [ipmi] min_command_interval 5 s (the default); 2-3 s at 1 s (the minimum)';

export function ironicSyncFor(nodes: number): IronicSyncFigures | undefined {
  return IRONIC_SYNC.find((f) => f.nodes === nodes);
}
