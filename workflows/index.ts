// Every workflow the worker registers.
export { manageNode } from './provision-node';
export { changePowerState, setBootDevice, getBootDevice } from './power-node';
export { syncPowerStates } from './sync-power-states';
export { deployNode } from './deploy-node';
export { cleanNode, teardownNode } from './clean-node';
export { rescueNode, unrescueNode } from './rescue-node';
