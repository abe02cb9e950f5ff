// Every workflow the worker registers.
export { manageNode } from './provision-node';
export { changePowerState, setBootDevice, getBootDevice, injectNmi } from './power-node';
export { syncPowerStates } from './sync-power-states';
export { deployNode } from './deploy-node';
export { cleanNode, teardownNode } from './clean-node';
export { adoptNode } from './adopt-node';
export { inspectNode } from './inspect-node';
export { rescueNode, unrescueNode } from './rescue-node';
