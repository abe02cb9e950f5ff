import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkLesseePatch, isLesseeOnly, LESSEE_PROVISION_TARGETS, nodeScope, requireOwner } from './access';
import { ForbiddenError } from './errors';
import type { RequestContext } from './request-context';

const ctx = (role: RequestContext['role'], project: string | null = null): RequestContext => ({
  requestId: 'req-1',
  actor: `${role}-token`,
  role,
  project,
});
const NODE = { uuid: '0d4c2a3e-5b6f-4a1b-9c8d-7e6f5a4b3c2d', owner: 'own', lessee: 'lease' };

test('nodeScope: a member sees what its project owns or leases; admin and observer everything', () => {
  assert.deepEqual(nodeScope(ctx('member', 'lease')), { OR: [{ owner: 'lease' }, { lessee: 'lease' }] });
  assert.deepEqual(nodeScope(ctx('member')), { OR: [{ owner: '' }, { lessee: '' }] });
  assert.deepEqual(nodeScope(ctx('admin')), {});
  assert.deepEqual(nodeScope(ctx('observer')), {});
});

test('requireOwner: only a member reaching the node as its lessee is refused, with what it may do instead', () => {
  assert.equal(isLesseeOnly(ctx('member', 'lease'), NODE), true);
  assert.equal(isLesseeOnly(ctx('member', 'own'), NODE), false);
  assert.equal(isLesseeOnly(ctx('member', 'own'), { owner: 'own' }), false, 'owner and lessee at once: the owner');
  assert.doesNotThrow(() => requireOwner(ctx('admin'), NODE, 'set or clear maintenance'));
  assert.doesNotThrow(() => requireOwner(ctx('member', 'own'), NODE, 'set or clear maintenance'));
  assert.throws(
    () => requireOwner(ctx('member', 'lease'), NODE, 'set or clear maintenance'),
    (e: Error) =>
      e instanceof ForbiddenError &&
      e.message ===
        `Token member-token (project lease) is the lessee of node ${NODE.uuid}, not its owner: only the node's owner or an admin may set or clear maintenance. A lessee may power it, set its boot device, deploy, rebuild and undeploy it (provision active, deleted, rebuild), edit instance_info, extra and instance_uuid, and attach or detach VIFs.`,
  );
  assert.deepEqual([...LESSEE_PROVISION_TARGETS].sort(), ['active', 'deleted', 'deploy', 'rebuild', 'undeploy']);
});

test("checkLesseePatch: instance_info, extra and instance_uuid are the lessee's; any other change is refused, named", () => {
  const before = { name: 'n', instance_info: {}, extra: {}, instance_uuid: null, properties: { cpus: 8 }, lessee: 'lease' };
  const lessee = ctx('member', 'lease');
  assert.doesNotThrow(() =>
    checkLesseePatch(lessee, NODE, before, { ...before, instance_info: { image_source: 'x' }, extra: { a: 1 }, instance_uuid: NODE.uuid }),
  );
  assert.doesNotThrow(() => checkLesseePatch(lessee, NODE, before, { ...before }), 'a no-op patch');
  assert.throws(
    () => checkLesseePatch(lessee, NODE, before, { ...before, properties: { cpus: 64 }, name: 'm' }),
    /only the node's owner or an admin may change name, properties\./,
  );
  assert.throws(() => checkLesseePatch(lessee, NODE, before, { ...before, lessee: null }), /may change lessee\./);
  assert.doesNotThrow(() => checkLesseePatch(ctx('member', 'own'), NODE, before, { ...before, name: 'm' }), 'the owner');
});
