// The provision state machine, as data, with Ironic's state names.
// Pure: imported by the API, the workflows and the activities alike.

export const ProvisionState = {
  enroll: 'enroll',
  verifying: 'verifying',
  manageable: 'manageable',
  available: 'available',
  active: 'active',
  deploying: 'deploying',
  waitCallback: 'wait call-back',
  deployFailed: 'deploy failed',
  deleting: 'deleting',
  cleaning: 'cleaning',
  cleanWait: 'clean wait',
  cleanFailed: 'clean failed',
  inspecting: 'inspecting',
  inspectWait: 'inspect wait',
  inspectFailed: 'inspect failed',
  adopting: 'adopting',
  adoptFailed: 'adopt failed',
  rescuing: 'rescuing',
  rescueWait: 'rescue wait',
  rescue: 'rescue',
  rescueFailed: 'rescue failed',
  unrescuing: 'unrescuing',
  unrescueFailed: 'unrescue failed',
  error: 'error',
} as const;
export type ProvisionState = (typeof ProvisionState)[keyof typeof ProvisionState];

export const ALL_PROVISION_STATES: readonly ProvisionState[] = Object.values(ProvisionState);

export function isProvisionState(s: string): s is ProvisionState {
  return (ALL_PROVISION_STATES as readonly string[]).includes(s);
}

/**
 * The one conversion of a stored provision state (database rows keep strings) to the union.
 * Only Ironflow writes the column, always from the union: anything else is a broken row, not user input.
 */
export function asProvisionState(s: string): ProvisionState {
  if (!isProvisionState(s)) throw new Error(`Unknown provision state "${s}" in the database.`);
  return s;
}

/** States with no operation running (target_provision_state is null). */
export const STABLE_STATES: readonly ProvisionState[] = ['enroll', 'manageable', 'available', 'active', 'error', 'rescue'];

/** Where a node may be deleted without maintenance mode. */
export const DELETE_ALLOWED_STATES: readonly ProvisionState[] = ['manageable', 'enroll', 'adopt failed', 'available'];

/** States in which a PATCH is allowed even though a target is set. */
export const UPDATE_ALLOWED_STATES: readonly ProvisionState[] = [
  'deploy failed',
  'inspecting',
  'inspect failed',
  'inspect wait',
  'clean failed',
  'error',
  'verifying',
  'adopt failed',
  'rescue failed',
  'unrescue failed',
];

/** API targets (`PUT /states/provision {"target": ...}`) and the FSM event each maps to. */
export const VERBS = {
  manage: 'manage',
  provide: 'provide',
  active: 'deploy',
  deploy: 'deploy',
  rebuild: 'rebuild',
  deleted: 'delete',
  undeploy: 'delete',
  clean: 'clean',
  abort: 'abort',
  inspect: 'inspect',
  adopt: 'adopt',
  rescue: 'rescue',
  unrescue: 'unrescue',
  unhold: 'unhold',
  service: 'service',
} as const;
export type ApiTarget = keyof typeof VERBS;
export type FsmEvent = (typeof VERBS)[ApiTarget];

/** Minimum API microversion per verb; below it the API answers 406. */
export const MIN_VERB_VERSION: Record<ApiTarget, number> = {
  manage: 4,
  provide: 4,
  inspect: 6,
  abort: 13,
  clean: 15,
  adopt: 17,
  rescue: 38,
  unrescue: 38,
  deploy: 73,
  undeploy: 73,
  unhold: 85,
  service: 87,
  active: 1,
  deleted: 1,
  rebuild: 1,
};

export interface Transition {
  from: ProvisionState;
  event: FsmEvent;
  /** The state the node enters when the request is accepted. */
  to: ProvisionState;
  /** target_provision_state while the operation runs (null: the transition is synchronous). */
  target: ProvisionState | null;
}

/** API-visible transitions. Internal events (done/fail/wait/resume) are the workflows' business. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'enroll', event: 'manage', to: 'verifying', target: 'manageable' },
  { from: 'manageable', event: 'provide', to: 'cleaning', target: 'available' },
  { from: 'manageable', event: 'clean', to: 'cleaning', target: 'manageable' },
  { from: 'available', event: 'manage', to: 'manageable', target: null },
  { from: 'available', event: 'deploy', to: 'deploying', target: 'active' },
  { from: 'active', event: 'rebuild', to: 'deploying', target: 'active' },
  { from: 'active', event: 'delete', to: 'deleting', target: 'available' },
  { from: 'wait call-back', event: 'delete', to: 'deleting', target: 'available' },
  { from: 'wait call-back', event: 'abort', to: 'deploy failed', target: 'active' },
  { from: 'deploy failed', event: 'deploy', to: 'deploying', target: 'active' },
  { from: 'deploy failed', event: 'rebuild', to: 'deploying', target: 'active' },
  { from: 'deploy failed', event: 'delete', to: 'deleting', target: 'available' },
  { from: 'error', event: 'rebuild', to: 'deploying', target: 'active' },
  { from: 'error', event: 'delete', to: 'deleting', target: 'available' },
  { from: 'clean wait', event: 'abort', to: 'clean failed', target: null },
  { from: 'manageable', event: 'inspect', to: 'inspecting', target: 'manageable' },
  { from: 'inspect failed', event: 'inspect', to: 'inspecting', target: 'manageable' },
  { from: 'inspect wait', event: 'abort', to: 'inspect failed', target: null },
  { from: 'clean failed', event: 'manage', to: 'manageable', target: null },
  { from: 'inspect failed', event: 'manage', to: 'manageable', target: null },
  { from: 'manageable', event: 'adopt', to: 'adopting', target: 'active' },
  { from: 'adopt failed', event: 'adopt', to: 'adopting', target: 'active' },
  { from: 'adopt failed', event: 'manage', to: 'manageable', target: null },
  // Rescue mode (1.38): the deploy ramdisk with an SSH login; unrescue boots the disk again.
  { from: 'active', event: 'rescue', to: 'rescuing', target: 'rescue' },
  { from: 'rescue', event: 'rescue', to: 'rescuing', target: 'rescue' },
  { from: 'rescue failed', event: 'rescue', to: 'rescuing', target: 'rescue' },
  { from: 'unrescue failed', event: 'rescue', to: 'rescuing', target: 'rescue' },
  { from: 'rescue wait', event: 'abort', to: 'rescue failed', target: 'rescue' },
  { from: 'rescue', event: 'unrescue', to: 'unrescuing', target: 'active' },
  { from: 'rescue failed', event: 'unrescue', to: 'unrescuing', target: 'active' },
  { from: 'unrescue failed', event: 'unrescue', to: 'unrescuing', target: 'active' },
  { from: 'rescue', event: 'delete', to: 'deleting', target: 'available' },
  { from: 'rescue failed', event: 'delete', to: 'deleting', target: 'available' },
  { from: 'unrescue failed', event: 'delete', to: 'deleting', target: 'available' },
];

export function findTransition(from: ProvisionState, event: FsmEvent): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.event === event);
}

/** The verbs accepted from a state, as API targets, for error messages. */
export function allowedTargets(from: ProvisionState): ApiTarget[] {
  const events = new Set(TRANSITIONS.filter((t) => t.from === from).map((t) => t.event));
  return (Object.keys(VERBS) as ApiTarget[]).filter((v) => events.has(VERBS[v]));
}

export function isApiTarget(s: string): s is ApiTarget {
  return Object.prototype.hasOwnProperty.call(VERBS, s);
}
