// Inputs of the node operation workflows. Only ids and intent travel through
// Temporal: never credentials (activities read them from the database).

export interface OperationContext {
  nodeUuid: string;
  /** Who asked (token name or `anonymous@loopback`). */
  actor: string;
  requestId: string;
}

export type OperationKind = 'manage' | 'provide' | 'clean' | 'deploy' | 'undeploy' | 'power' | 'boot-device';

export interface ProvisionInput extends OperationContext {
  /** The state the API moved the node from, so the workflow's compare-and-set is idempotent. */
  fromState: string;
  /** The state the API moved the node into. */
  viaState: string;
  /** target_provision_state while running. */
  target: string;
}
