// Every workflow the worker registers.
export { manageNode, provideNode } from './provision-node';
