import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, maskSecrets } from './secrets';

test('secret keys are found by the words they contain, in any case and nested', () => {
  for (const k of ['ipmi_password', 'IPMI_PASSWORD', 'chap_secret', 'auth_token', 'configdrive', 'image_url']) assert.ok(isSecretKey(k), k);
  for (const k of ['ipmi_address', 'ipmi_username', 'cpus']) assert.ok(!isSecretKey(k), k);
  assert.deepEqual(maskSecrets({ ipmi_password: 'x', nested: { redfish_password: 'y', user: 'u' }, empty_password: '' }), {
    ipmi_password: '******',
    nested: { redfish_password: '******', user: 'u' },
    empty_password: '',
  });
});
