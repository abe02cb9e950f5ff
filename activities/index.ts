// createActivities: the one place activity groups are merged. Only the worker calls it.
import { createNodeActivities, type NodeActivityDeps } from './nodes/node-activities';

export type ActivityDeps = NodeActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createNodeActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
