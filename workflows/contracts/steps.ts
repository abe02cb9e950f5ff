// Deploy and clean steps as data, after Ironic's `deploy_step(priority=…)`/`clean_step`:
// per deploy interface, the steps it has, their default priority (0: off unless a
// user asks for it), their arguments and the order their data forces. The API
// resolves a user's `deploy_steps`/`clean_steps` against this table (400 naming
// the known steps); the workflow runs the resolved list, highest priority first.
// The code that runs each step is in workflows/steps.ts, keyed by StepKey.
// Pure: imported by the API, the workflows and the activities alike.

/** `<interface>.<step>`, e.g. `deploy.write_image`. */
export type StepKey =
  'deploy.deploy' | 'deploy.erase_devices_metadata' | 'deploy.write_image' | 'deploy.tear_down_agent' | 'deploy.boot_instance';
export type CleanStepKey = 'deploy.erase_devices' | 'deploy.erase_devices_metadata';

/** One step as the API takes it and as the node's deploy_step/clean_step show it. */
export interface StepRef<K extends string = string> {
  interface: string;
  step: string;
  priority: number;
  args: Record<string, unknown>;
  /** Internal: which table entry, `<interface>.<step>`. */
  key?: K;
}
export type ResolvedStep = Required<StepRef<StepKey>>;
export type ResolvedCleanStep = Required<StepRef<CleanStepKey>>;

interface OrderRule {
  step: StepKey;
  /** Why, in the words of the 400 a user gets when a request breaks the rule. */
  why: string;
}

export interface DeployStepSpec {
  key: StepKey;
  /** Default priority; 0 = runs only when a user's deploy_steps gives it a priority. */
  priority: number;
  /** Mandatory steps cannot be disabled (priority 0). */
  required: boolean;
  /** Arguments the step takes, Ironic's argsinfo. */
  argsinfo: Record<string, { description: string; required: boolean }>;
  /** Steps that must run before this one, when both run. */
  after: OrderRule[];
  /** Steps that must run after this one, when both run. */
  before: OrderRule[];
  description: string;
}

const RAMDISK_UP: OrderRule = { step: 'deploy.deploy', why: 'it needs the deploy ramdisk that deploy.deploy boots' };

const deploy: DeployStepSpec = {
  key: 'deploy.deploy',
  priority: 100,
  required: true,
  argsinfo: {},
  after: [],
  before: [],
  description: 'Cache the image, boot the deploy ramdisk and wait for it to call back.',
};
const writeImage: DeployStepSpec = {
  key: 'deploy.write_image',
  priority: 80,
  required: true,
  argsinfo: {},
  after: [RAMDISK_UP],
  before: [],
  description: 'Write the image to the disk and verify it.',
};
const tearDownAgent: DeployStepSpec = {
  key: 'deploy.tear_down_agent',
  priority: 40,
  required: true,
  argsinfo: {},
  after: [RAMDISK_UP, { step: 'deploy.write_image', why: 'the ramdisk must stay up until the image is written' }],
  before: [],
  description: 'Tell the deploy ramdisk it is done (it stops its target and powers off).',
};
const bootInstance: DeployStepSpec = {
  key: 'deploy.boot_instance',
  priority: 20,
  required: true,
  argsinfo: {},
  after: [{ step: 'deploy.tear_down_agent', why: 'the node must leave the deploy ramdisk before it boots the instance' }],
  before: [],
  description: 'Point the boot config and boot device at the installed image and power-cycle into it.',
};

/**
 * Optional: zero the metadata windows of the disk (domain/disk-metadata.ts) before the image goes on. A previous
 * tenant's backup GPT, RAID superblock or LVM label at the end of the disk survives an
 * image write (which covers only the start) and confuses the new OS; with automated
 * cleaning off (automated_clean=false, IRONFLOW_AUTOMATED_CLEAN=none) nothing else removes it.
 */
const eraseMetadata: DeployStepSpec = {
  key: 'deploy.erase_devices_metadata',
  priority: 0,
  required: false,
  argsinfo: {},
  after: [RAMDISK_UP],
  before: [{ step: 'deploy.write_image', why: 'it would erase the image deploy.write_image writes' }],
  description:
    'Zero the first MiB and the last 66 MiB of the disk (partition tables, RAID and LVM labels, an earlier config drive) before the image is written.',
};

/** Deploy steps per deploy interface, in table order (which breaks priority ties). */
export const DEPLOY_STEPS: Readonly<Record<string, readonly DeployStepSpec[]>> = {
  // iscsi: the ramdisk exports the disk, the worker writes it (and can erase its metadata first).
  iscsi: [deploy, eraseMetadata, writeImage, tearDownAgent, bootInstance],
  // direct: the ramdisk pulls and writes the image itself as soon as it is up.
  direct: [deploy, writeImage, tearDownAgent, bootInstance],
  // fake: as Ironic's fake deploy, one step that does nothing: active with no image, no boot, no power action.
  fake: [{ ...deploy, description: 'Nothing (fake hardware): validate and reach active.' }],
};

export interface CleanStepSpec {
  key: CleanStepKey;
  /** The erase mode the step runs the ramdisk in. */
  eraseMode: 'full' | 'metadata';
  argsinfo: Record<string, { description: string; required: boolean }>;
  description: string;
}

const ERASE_STEPS: readonly CleanStepSpec[] = [
  { key: 'deploy.erase_devices', eraseMode: 'full', argsinfo: {}, description: 'Overwrite every byte of every disk, then verify.' },
  {
    key: 'deploy.erase_devices_metadata',
    eraseMode: 'metadata',
    argsinfo: {},
    description: 'Zero the metadata of every disk (its first MiB and last 66 MiB: partition tables, labels, config drive), then verify.',
  },
];

/** Clean steps per deploy interface. fake has none: its cleaning goes straight to the target state. */
export const CLEAN_STEPS: Readonly<Record<string, readonly CleanStepSpec[]>> = {
  iscsi: ERASE_STEPS,
  direct: ERASE_STEPS,
  fake: [],
};

/** Priorities of automated cleaning (Ironic's defaults: metadata 99, full 10), by IRONFLOW_AUTOMATED_CLEAN. */
const AUTOMATED_CLEAN: Record<'metadata' | 'full', { key: CleanStepKey; priority: number }> = {
  metadata: { key: 'deploy.erase_devices_metadata', priority: 99 },
  full: { key: 'deploy.erase_devices', priority: 10 },
};

/** A user's steps broke a rule; the message says which and why. */
export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

function split(key: string): { interface: string; step: string } {
  const i = key.indexOf('.');
  return { interface: key.slice(0, i), step: key.slice(i + 1) };
}

function knownDeploySteps(iface: string): string {
  const specs = DEPLOY_STEPS[iface] ?? [];
  return specs.length ? specs.map((s) => `${s.key} (priority ${s.priority}${s.required ? '' : ', optional'})`).join(', ') : 'none';
}

const STEP_KEYS = ['interface', 'step', 'args', 'priority'];

/** Checks one user step object's shape; `kind` names the field in messages. */
function stepObject(
  kind: string,
  raw: unknown,
  needPriority: boolean,
): { interface: string; step: string; args: Record<string, unknown>; priority?: number } {
  const o = raw as Record<string, unknown>;
  const wanted = needPriority ? 'interface, step, args and priority' : 'interface and step (args optional)';
  if (!o || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).some((k) => !STEP_KEYS.includes(k))) {
    throw new StepError(`Invalid ${kind}: ${JSON.stringify(raw)} is not a step object: it takes ${wanted}.`);
  }
  if (typeof o.interface !== 'string' || typeof o.step !== 'string' || !o.step) {
    throw new StepError(`Invalid ${kind}: ${JSON.stringify(raw)} needs ${wanted}, interface and step as strings.`);
  }
  if (o.args !== undefined && (o.args === null || typeof o.args !== 'object' || Array.isArray(o.args))) {
    throw new StepError(`Invalid ${kind}: args of ${o.interface}.${o.step} must be a JSON object.`);
  }
  if (needPriority && (o.args === undefined || o.priority === undefined)) {
    throw new StepError(`Invalid ${kind}: ${JSON.stringify(raw)} needs ${wanted}.`);
  }
  if (o.priority !== undefined && (typeof o.priority !== 'number' || !Number.isInteger(o.priority) || o.priority < 0)) {
    throw new StepError(
      `Invalid ${kind}: priority of ${o.interface}.${o.step} must be an integer of 0 or more, not ${JSON.stringify(o.priority)}.`,
    );
  }
  return {
    interface: o.interface,
    step: o.step,
    args: (o.args as Record<string, unknown> | undefined) ?? {},
    priority: o.priority as number | undefined,
  };
}

function checkArgs(kind: string, key: string, args: Record<string, unknown>, argsinfo: Record<string, { required: boolean }>): void {
  const unknown = Object.keys(args).filter((a) => !(a in argsinfo));
  const names = Object.keys(argsinfo);
  if (unknown.length)
    throw new StepError(
      `Invalid ${kind}: ${key} does not take ${unknown.join(', ')}; it takes ${names.length ? names.join(', ') : 'no arguments'}.`,
    );
  const missing = names.filter((a) => argsinfo[a].required && args[a] === undefined);
  if (missing.length) throw new StepError(`Invalid ${kind}: ${key} needs ${missing.join(', ')}.`);
}

/**
 * The deploy steps to run for a node with deploy interface `iface`, highest priority first:
 * the table's defaults, with the user's steps overriding a step's priority and arguments
 * (priority 0 turns an optional step off, a priority turns one on). Throws StepError.
 */
export function resolveDeploySteps(iface: string, user: unknown = []): ResolvedStep[] {
  const specs = DEPLOY_STEPS[iface];
  if (!specs) throw new StepError(`Deploy interface ${iface} has no deploy steps.`);
  if (!Array.isArray(user)) throw new StepError(`Invalid deploy_steps: expected a list of steps, not ${JSON.stringify(user)}.`);
  const chosen = new Map<StepKey, { priority: number; args: Record<string, unknown> }>(
    specs.map((s) => [s.key, { priority: s.priority, args: {} }]),
  );
  const seen = new Set<string>();
  for (const raw of user) {
    const u = stepObject('deploy_steps', raw, true);
    const key = `${u.interface}.${u.step}`;
    const spec = specs.find((s) => s.key === key);
    if (!spec)
      throw new StepError(
        `Invalid deploy_steps: deploy interface ${iface} has no deploy step ${key}. Known steps: ${knownDeploySteps(iface)}.`,
      );
    if (seen.has(key)) throw new StepError(`Invalid deploy_steps: ${key} is given twice.`);
    seen.add(key);
    if (spec.required && u.priority === 0)
      throw new StepError(`Invalid deploy_steps: ${key} cannot be disabled (priority 0): every deploy runs it.`);
    checkArgs('deploy_steps', key, u.args, spec.argsinfo);
    chosen.set(spec.key, { priority: u.priority!, args: u.args });
  }
  const order = specs
    .map((s, i) => ({ s, i, c: chosen.get(s.key)! }))
    .filter((x) => x.c.priority > 0)
    .sort((a, b) => b.c.priority - a.c.priority || a.i - b.i);
  const position = new Map(order.map((x, i) => [x.s.key, i]));
  const prio = (k: StepKey) => chosen.get(k)!.priority;
  for (const { s } of order) {
    for (const r of s.after) {
      if (position.has(r.step) && position.get(r.step)! > position.get(s.key)!) {
        throw new StepError(
          `Invalid deploy_steps: ${s.key} (priority ${prio(s.key)}) must run after ${r.step} (priority ${prio(r.step)}): ${r.why}.`,
        );
      }
    }
    for (const r of s.before) {
      if (position.has(r.step) && position.get(r.step)! < position.get(s.key)!) {
        throw new StepError(
          `Invalid deploy_steps: ${s.key} (priority ${prio(s.key)}) must run before ${r.step} (priority ${prio(r.step)}): ${r.why}.`,
        );
      }
    }
  }
  return order.map(({ s, c }) => ({ ...split(s.key), priority: c.priority, args: c.args, key: s.key }));
}

/** Automated cleaning (provide, undeploy) per IRONFLOW_AUTOMATED_CLEAN; none for an interface without clean steps. */
export function automatedCleanSteps(iface: string, mode: 'metadata' | 'full' | 'none'): ResolvedCleanStep[] {
  if (mode === 'none') return [];
  const a = AUTOMATED_CLEAN[mode];
  if (!(CLEAN_STEPS[iface] ?? []).some((s) => s.key === a.key)) return [];
  return [{ ...split(a.key), priority: a.priority, args: {}, key: a.key }];
}

/**
 * Manual cleaning's `clean_steps`: exactly one erase step (each boots the deploy ramdisk
 * once), run as given. Throws StepError naming the known steps.
 */
export function resolveManualCleanSteps(iface: string, user: unknown): ResolvedCleanStep[] {
  const specs = CLEAN_STEPS[iface] ?? [];
  const known = specs.length ? specs.map((s) => `${s.key} (${s.eraseMode})`).join(', ') : 'none';
  if (!Array.isArray(user) || user.length !== 1) {
    throw new StepError(
      `Invalid clean_steps: give exactly one step, {"interface": "deploy", "step": "erase_devices"} or "erase_devices_metadata". Supported: ${known}.`,
    );
  }
  const u = stepObject('clean_steps', user[0], false);
  const key = `${u.interface}.${u.step}`;
  const spec = specs.find((s) => s.key === key);
  if (!spec)
    throw new StepError(`Invalid clean_steps: node does not support this clean step: ${JSON.stringify(user[0])}. Supported: ${known}.`);
  checkArgs('clean_steps', key, u.args, spec.argsinfo);
  return [{ ...split(key), priority: u.priority ?? 0, args: u.args, key: spec.key }];
}

export function cleanStepSpec(key: CleanStepKey, iface: string): CleanStepSpec | undefined {
  return (CLEAN_STEPS[iface] ?? ERASE_STEPS).find((s) => s.key === key);
}

/** The node field (deploy_step / clean_step) for a running step: Ironic's shape. */
export function stepField(s: StepRef): { interface: string; step: string; priority: number; args: Record<string, unknown> } {
  return { interface: s.interface, step: s.step, priority: s.priority, args: s.args };
}

/** Every deploy step of any deploy interface, by key (a template is not tied to one interface). */
function anyDeployStep(key: string): DeployStepSpec | undefined {
  for (const specs of Object.values(DEPLOY_STEPS)) {
    const s = specs.find((x) => x.key === key);
    if (s) return s;
  }
  return undefined;
}

/**
 * A deploy template's `steps` (Ironic 1.55): one or more steps, each with interface, step,
 * args and priority, that exist in the step table (for some deploy interface), take the
 * arguments given, and are not a mandatory step turned off. Throws StepError.
 */
export function checkTemplateSteps(user: unknown): Required<StepRef>[] {
  if (!Array.isArray(user) || user.length === 0)
    throw new StepError(
      `Invalid steps: expected a list of one or more deploy steps, e.g. [{"interface": "deploy", "step": "erase_devices_metadata", "args": {}, "priority": 90}].`,
    );
  const seen = new Set<string>();
  const known = [...new Set(Object.values(DEPLOY_STEPS).flatMap((specs) => specs.map((s) => s.key)))].join(', ');
  return user.map((raw) => {
    const u = stepObject('steps', raw, true);
    const key = `${u.interface}.${u.step}`;
    const spec = anyDeployStep(key);
    if (!spec) throw new StepError(`Invalid steps: there is no deploy step ${key}. Known deploy steps: ${known}.`);
    if (seen.has(key)) throw new StepError(`Invalid steps: duplicate deploy step ${key}: give each step once.`);
    seen.add(key);
    if (spec.required && u.priority === 0)
      throw new StepError(`Invalid steps: ${key} cannot be disabled (priority 0): every deploy runs it.`);
    checkArgs('steps', key, u.args, spec.argsinfo);
    return { interface: u.interface, step: u.step, args: u.args, priority: u.priority!, key };
  });
}

/**
 * The deploy_steps of a deploy: the steps of the matching templates, with the user's own
 * deploy_steps overriding a template's step of the same name (as Ironic merges them).
 * Two templates naming the same step is a StepError (Ironic fails the deploy the same way).
 */
export function mergeTemplateSteps(templates: readonly { name: string; steps: readonly StepRef[] }[], user: unknown): unknown {
  if (!templates.length || (user !== undefined && !Array.isArray(user))) return user; // a bad user value: resolveDeploySteps says why
  const fromTemplates = new Map<string, { step: StepRef; template: string }>();
  for (const t of templates) {
    for (const s of t.steps) {
      const key = `${s.interface}.${s.step}`;
      const other = fromTemplates.get(key);
      if (other)
        throw new StepError(
          `Deploy templates ${other.template} and ${t.name} both set deploy step ${key}: remove it from one of them, or drop one trait from instance_info.traits.`,
        );
      fromTemplates.set(key, { step: s, template: t.name });
    }
  }
  const userSteps = Array.isArray(user) ? (user as StepRef[]) : [];
  const overridden = new Set(userSteps.map((s) => `${s?.interface}.${s?.step}`));
  const merged = [...fromTemplates.entries()]
    .filter(([k]) => !overridden.has(k))
    .map(([, v]) => ({ interface: v.step.interface, step: v.step.step, args: v.step.args, priority: v.step.priority }));
  return [...merged, ...(Array.isArray(user) ? user : [])];
}
