// Workflow ids. `node-<uuid>` is the id of every exclusive operation on a node:
// Temporal refuses a second running workflow with the same id, which makes it the node lock.

export function nodeOperationId(nodeUuid: string): string {
  return `node-${nodeUuid}`;
}

export function nodeUuidFromOperationId(workflowId: string): string | undefined {
  return workflowId.startsWith('node-') ? workflowId.slice('node-'.length) : undefined;
}

/** Task queue of the central workflows (hardware-facing activities may use per-site queues). */
export const DEFAULT_TASK_QUEUE = 'ironflow';
