// createActivities: the one place activity groups are merged. Only the worker calls it.
import { createDeployActivities, type DeployActivityDeps } from './deploy/deploy-activities';
import { createNodeActivities } from './nodes/node-activities';
import type { PowerDrivers } from './power/bmc-target';
import { createPowerActivities } from './power/power-activities';
import { createPowerSyncActivities } from './power/power-sync';

export interface ActivityDeps extends DeployActivityDeps {
  drivers: PowerDrivers;
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
