import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_PROVISION_STATES, allowedTargets, asProvisionState, findTransition, STABLE_STATES, TRANSITIONS, VERBS } from './states';

test('every transition names real states and events', () => {
  const events = new Set(Object.values(VERBS));
  for (const t of TRANSITIONS) {
    assert.ok(ALL_PROVISION_STATES.includes(t.from), t.from);
    assert.ok(ALL_PROVISION_STATES.includes(t.to), t.to);
    assert.ok(events.has(t.event), t.event);
    if (t.target !== null) assert.ok(ALL_PROVISION_STATES.includes(t.target), t.target);
  }
});

test('no two transitions share a state and an event', () => {
  const keys = TRANSITIONS.map((t) => `${t.from}/${t.event}`);
  assert.equal(new Set(keys).size, keys.length);
});

test("Ironic's lifecycle: enroll -> manageable -> available -> active -> available", () => {
  assert.equal(findTransition('enroll', 'manage')?.to, 'verifying');
  assert.equal(findTransition('manageable', 'provide')?.target, 'available');
  assert.equal(findTransition('available', 'deploy')?.to, 'deploying');
  assert.equal(findTransition('active', 'delete')?.target, 'available');
  assert.equal(findTransition('available', 'manage')?.target, null, 'available -> manageable is synchronous');
  assert.equal(findTransition('enroll', 'deploy'), undefined);
});

test('allowed targets are listed in API words; stable states have a null target', () => {
  assert.deepEqual(allowedTargets('enroll'), ['manage']);
  assert.deepEqual(allowedTargets('available'), ['manage', 'active', 'deploy']);
  assert.ok(STABLE_STATES.includes('active'));
});

test('asProvisionState: a stored state comes back as itself; anything else is refused, naming it', () => {
  for (const s of ALL_PROVISION_STATES) assert.equal(asProvisionState(s), s);
  for (const bad of ['', 'Active', 'wait callback', 'deployed']) {
    assert.throws(
      () => asProvisionState(bad),
      (e: Error) => e.message.includes(`"${bad}"`),
    );
  }
});

test('adopt: manageable or adopt failed -> adopting (target active); adopt failed may go back to manageable', () => {
  assert.deepEqual(findTransition('manageable', 'adopt'), { from: 'manageable', event: 'adopt', to: 'adopting', target: 'active' });
  assert.equal(findTransition('adopt failed', 'adopt')?.to, 'adopting');
  assert.equal(findTransition('adopt failed', 'manage')?.to, 'manageable');
  assert.equal(findTransition('available', 'adopt'), undefined);
  assert.ok(allowedTargets('manageable').includes('adopt'));
});

test('rescue mode (1.38): active -> rescuing -> rescue; unrescue -> active; abort only in rescue wait', () => {
  assert.deepEqual(findTransition('active', 'rescue'), { from: 'active', event: 'rescue', to: 'rescuing', target: 'rescue' });
  assert.equal(findTransition('rescue', 'unrescue')?.target, 'active');
  assert.equal(findTransition('rescue wait', 'abort')?.to, 'rescue failed');
  assert.equal(findTransition('rescuing', 'abort'), undefined);
  assert.equal(findTransition('available', 'rescue'), undefined);
  assert.equal(findTransition('active', 'unrescue'), undefined);
  assert.deepEqual(allowedTargets('rescue'), ['deleted', 'undeploy', 'rescue', 'unrescue']);
  for (const s of ['rescue failed', 'unrescue failed'] as const)
    assert.deepEqual(allowedTargets(s), ['deleted', 'undeploy', 'rescue', 'unrescue']);
  assert.ok(STABLE_STATES.includes('rescue'));
});
