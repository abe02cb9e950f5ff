// createActivities: the one place activity groups are merged. Only the worker calls it.
import { createBootActivities, createVirtualMediaActivities } from './deploy/boot-activities';
import { createBootEvidenceActivities } from './deploy/boot-evidence-activities';
import type { DeployActivityDeps } from './deploy/deploy-deps';
import { createDeploymentActivities } from './deploy/deployment-activities';
import { createDiskActivities } from './deploy/disk-activities';
import { createImageActivities } from './deploy/image-activities';
import { createNodeStateActivities } from './deploy/node-state-activities';
import { createInspectionActivities } from './inspection/inspection-activities';
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
    // The deploy, by phase.
    ...createImageActivities(deps),
    ...createDeploymentActivities(deps),
    ...createBootActivities(deps),
    ...createVirtualMediaActivities(deps),
    ...createDiskActivities(deps),
    ...createNodeStateActivities(deps),
    ...createBootEvidenceActivities(deps),
    ...createInspectionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
