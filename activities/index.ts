// createActivities: the one place activity groups are merged. Only the worker calls it.
import { createDeployActivities, type DeployActivityDeps } from './deploy/deploy-activities';
import { createNodeActivities } from './nodes/node-activities';
import { createPowerActivities } from './power/power-activities';
import type { PowerInterfaces } from './power/power-interface';
import { createPowerSyncActivities } from './power/power-sync';

export interface ActivityDeps extends DeployActivityDeps {
  /** Power/management interface name -> implementation: one line per driver in the worker. */
  powerInterfaces: PowerInterfaces;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createNodeActivities(deps),
    ...createPowerActivities(deps),
    ...createPowerSyncActivities(deps),
    ...createDeployActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
