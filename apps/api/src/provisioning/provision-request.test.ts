import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProvisionRequest } from './provision-request';

describe('provision request', () => {
  test('reads the target as text and keeps only the parameters given', () => {
    assert.deepEqual(parseProvisionRequest({ target: 'manage' }), { target: 'manage' });
    assert.deepEqual(parseProvisionRequest({ target: 5 }), { target: '5' });
    const steps = [{ interface: 'deploy', step: 'erase_devices' }];
    assert.deepEqual(parseProvisionRequest({ target: 'clean', clean_steps: steps, disable_ramdisk: null }), {
      target: 'clean',
      clean_steps: steps,
      disable_ramdisk: null,
    });
  });
  test('refuses a body that is not an object, a missing target, then unknown keys, in that order', () => {
    assert.throws(() => parseProvisionRequest([]), /Schema error for provision request: the request body must be a JSON object\./);
    assert.throws(() => parseProvisionRequest({}), /^BadRequestError: Missing mandatory parameter: target$/);
    assert.throws(() => parseProvisionRequest({ target: null, bogus: 1 }), /Missing mandatory parameter: target/);
    assert.throws(
      () => parseProvisionRequest({ target: 'manage', bogus: 1 }),
      /Additional properties are not allowed \('bogus' was unexpected\)\. Allowed: target, configdrive, clean_steps, deploy_steps, service_steps, rescue_password, disable_ramdisk\./,
    );
  });
});
