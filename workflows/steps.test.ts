import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLEAN_STEPS, DEPLOY_STEPS } from './contracts/steps';
import { CLEAN_RUNNERS, DEPLOY_RUNNERS } from './steps';

test('every step of the contract table has workflow code, and no code runs a step the table lacks', () => {
  assert.deepEqual(Object.keys(DEPLOY_RUNNERS).sort(), Object.keys(DEPLOY_STEPS).sort());
  for (const [iface, specs] of Object.entries(DEPLOY_STEPS)) {
    assert.deepEqual(Object.keys(DEPLOY_RUNNERS[iface]).sort(), specs.map((s) => s.key).sort(), iface);
  }
  for (const specs of Object.values(CLEAN_STEPS)) for (const s of specs) assert.equal(typeof CLEAN_RUNNERS[s.key], 'function', s.key);
});
