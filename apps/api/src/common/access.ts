// Who may see and change which nodes.
//
// admin     every node, every action.
// observer  reads every node; the auth middleware refuses its writes (403).
// member    only nodes whose `owner` is its project. A foreign node answers 404 exactly
//           like a missing one (as Ironic's owner policy does), so a member cannot learn
//           that it exists. On its own nodes a member runs operations (power, boot device,
//           provisioning, maintenance), edits what a tenant owns (instance_info, extra,
//           name, description, ...) and a port's extra; enrolling and deleting nodes,
//           changing the hardware's identity and placement, and ports (cabling: a MAC
//           decides which machine netboots) stay with admins (403).
//
// The scope is a Prisma `where` fragment, so filtering happens in the database query.
import { ForbiddenError } from './errors';
import type { RequestContext } from './request-context';

/** Restricts a node query to what the request may see ({} = everything). */
export type NodeScope = { owner?: string };

export function nodeScope(ctx: RequestContext): NodeScope {
  // A member without a project is refused at configuration time; '' matches no owner anyway.
  return ctx.role === 'member' ? { owner: ctx.project ?? '' } : {};
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
