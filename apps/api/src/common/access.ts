// Who may see and change which nodes.
//
// admin     every node, every action.
// observer  reads every node; the auth middleware refuses its writes (403).
// member    only nodes whose `owner` or `lessee` is its project. A foreign node answers
//           404 exactly like a missing one (as Ironic's owner policy does), so a member
//           cannot learn that it exists.
//   owner   On its own nodes a member runs operations (power, boot device, provisioning,
//           maintenance), edits what a tenant owns (instance_info, extra, name,
//           description, lessee, ...) and a port's extra; enrolling and deleting nodes,
//           changing the hardware's identity and placement, and ports (cabling: a MAC
//           decides which machine netboots) stay with admins (403).
//   lessee  Ironic's lessee policy: on a node it leases (and does not own) a member may
//           power it, set its boot device, deploy, rebuild and undeploy it (provision
//           active/deleted/rebuild), set what a deploy reads (instance_info, extra,
//           instance_uuid) and attach or detach VIFs. Everything else (maintenance, other
//           provision targets, RAID config, other fields, ports, history) is the
//           owner's: 403 saying so. What Ironic shows owners only (driver_info,
//           driver_internal_info, last_error, reservation) a lessee sees redacted.
//
// The scope is a Prisma `where` fragment, so filtering happens in the database query.
import { ForbiddenError } from './errors';
import type { RequestContext } from './request-context';

/** Restricts a node query to what the request may see ({} = everything). */
export type NodeScope = { OR?: [{ owner: string }, { lessee: string }] };

export function nodeScope(ctx: RequestContext): NodeScope {
  // A member without a project is refused at configuration time; '' matches no owner anyway.
  if (ctx.role !== 'member') return {};
  const project = ctx.project ?? '';
  return { OR: [{ owner: project }, { lessee: project }] };
}

/** What a lessee may do, in the words of the 403 a lessee gets for anything else. */
const LESSEE_MAY =
  'power it, set its boot device, deploy, rebuild and undeploy it (provision active, deleted, rebuild), edit instance_info, extra and instance_uuid, and attach or detach VIFs';

/** Provision targets a lessee may request (Ironic's lessee policy, as this API offers it). */
export const LESSEE_PROVISION_TARGETS: readonly string[] = ['active', 'deploy', 'rebuild', 'deleted', 'undeploy'];

/** Node fields a lessee may change: what a deploy reads. */
const LESSEE_NODE_FIELDS = ['instance_info', 'extra', 'instance_uuid'];

/** True when the request reaches `node` only as its lessee (a member whose project leases but does not own it). */
export function isLesseeOnly(ctx: RequestContext, node: { owner: string | null }): boolean {
  return ctx.role === 'member' && node.owner !== ctx.project;
}

/**
 * 403 when the request reaches the node only as its lessee and `action` is the owner's;
 * `action` completes "only the node's owner or an admin may ...". Call after the node
 * was found in the request's scope.
 */
export function requireOwner(ctx: RequestContext, node: { uuid: string; owner: string | null }, action: string): void {
  if (!isLesseeOnly(ctx, node)) return;
  throw new ForbiddenError(
    `Token ${ctx.actor} (project ${ctx.project ?? 'none'}) is the lessee of node ${node.uuid}, not its owner: only the node's owner or an admin may ${action}. A lessee may ${LESSEE_MAY}.`,
  );
}

/** 403 when a lessee's patch changes a field other than those a deploy reads (a no-op patch of one is fine). */
export function checkLesseePatch(
  ctx: RequestContext,
  node: { uuid: string; owner: string | null },
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): void {
  if (!isLesseeOnly(ctx, node)) return;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys].filter(
    (k) => !LESSEE_NODE_FIELDS.includes(k) && JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null),
  );
  if (changed.length) requireOwner(ctx, node, `change ${changed.sort().join(', ')}`);
}

/** 403 unless the request comes from an admin; `action` completes "only admins ...". */
export function requireAdmin(ctx: RequestContext, action: string): void {
  if (ctx.role !== 'admin') {
    throw new ForbiddenError(`Token ${ctx.actor} has the ${ctx.role} role (project ${ctx.project ?? 'none'}): only admins ${action}.`);
  }
}

/**
 * Node fields that say which machine a node is, how to reach its BMC and who owns it:
 * a member changing them could point its node at another project's BMC, or give the
 * node away. Everything else on its own nodes a member may edit.
 */
const ADMIN_ONLY_NODE_FIELDS = [
  'owner',
  'driver',
  'driver_info',
  'conductor_group',
  'chassis_uuid',
  'shard',
  'parent_node',
  'disable_power_off',
  'retired',
  'retired_reason',
  'bios_interface',
  'boot_interface',
  'console_interface',
  'deploy_interface',
  'firmware_interface',
  'inspect_interface',
  'management_interface',
  'network_interface',
  'power_interface',
  'raid_interface',
  'rescue_interface',
  'storage_interface',
  'vendor_interface',
];

/** 403 when a member's patch changes an admin-only field (a no-op patch of one is fine). */
export function checkMemberPatch(ctx: RequestContext, before: Record<string, unknown>, after: Record<string, unknown>): void {
  if (ctx.role !== 'member') return;
  const changed = ADMIN_ONLY_NODE_FIELDS.filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null));
  if (changed.length === 0) return;
  const what = changed.includes('owner')
    ? `change a node's owner (a project may neither give its nodes away nor take others')`
    : `change ${changed.join(', ')} (the hardware's identity and placement)`;
  throw new ForbiddenError(`Token ${ctx.actor} has the member role: only admins ${what}.`);
}
