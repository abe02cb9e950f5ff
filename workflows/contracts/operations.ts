// Inputs of the node operation workflows. Only ids and intent travel through
// Temporal: never credentials (activities read them from the database).
import type { ProvisionState } from './states';

export interface OperationContext {
  nodeUuid: string;
  /** Who asked (token name or `anonymous@loopback`). */
  actor: string;
  requestId: string;
}

/**
 * The provision states an operation moves through as it starts: from → via, with target_provision_state
 * while it runs; or none ('' throughout) for operations that leave the provision state alone (power, boot device).
 */
export type OperationStart =
  | { fromState: ProvisionState; viaState: ProvisionState; target: ProvisionState | null }
  | { fromState: ''; viaState: ''; target: '' | null };

/** The provision states an operation moves between as it ends, or none ('' both) as in OperationStart. */
export type OperationEnd = { from: ProvisionState; to: ProvisionState } | { from: ''; to: '' };

export type OperationKind =
  'manage' | 'adopt' | 'provide' | 'clean' | 'deploy' | 'undeploy' | 'inspect' | 'rescue' | 'unrescue' | 'power' | 'boot-device';

export interface ProvisionInput extends OperationContext {
  /** The state the API moved the node from, so the workflow's compare-and-set is idempotent. */
  fromState: ProvisionState;
  /** The state the API moved the node into. */
  viaState: ProvisionState;
  /** target_provision_state while running. */
  target: ProvisionState;
}

export interface AdoptInput extends ProvisionInput {
  /** Task queue of the node's site (conductor_group): the BMC read runs there. */
  hardwareQueue: string;
}
