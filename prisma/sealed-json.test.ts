import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { isSealed, keyId, openSecrets, parseKey, resealSecrets, resealValue, sealedKeyId, sealSecrets } from './sealed-json';

const key = crypto.randomBytes(32);

test('secret values are sealed, others kept; opening restores them', () => {
  const doc = { ipmi_address: '10.0.0.5', ipmi_password: 'Sup3r', nested: { chap_secret: 'c' } };
  const sealed = sealSecrets(doc, { primary: key });
  assert.equal(sealed.ipmi_address, '10.0.0.5');
  assert.ok(isSealed(sealed.ipmi_password));
  assert.ok(isSealed(sealed.nested.chap_secret));
  assert.doesNotMatch(JSON.stringify(sealed), /Sup3r/);
  assert.deepEqual(openSecrets(sealed, { primary: key }), doc);
  assert.deepEqual(sealSecrets(sealed, { primary: key }), sealed, 'sealing twice is a no-op');
});

test('rotation: a new primary key opens values sealed with a previous key', () => {
  const sealed = sealSecrets({ ipmi_password: 'old' }, { primary: key });
  const next = crypto.randomBytes(32);
  assert.equal(openSecrets(sealed, { primary: next, previous: [key] }).ipmi_password, 'old');
  assert.throws(() => openSecrets(sealed, { primary: next }), /No configured secret key has id/);
});

test('tampering is detected', () => {
  const sealed = sealSecrets({ ipmi_password: 'pw' }, { primary: key });
  const raw = Buffer.from(sealed.ipmi_password.split(':')[3], 'base64');
  raw[raw.length - 1] ^= 1;
  const bad = { ipmi_password: sealed.ipmi_password.replace(/[^:]+$/, raw.toString('base64')) };
  assert.throws(() => openSecrets(bad, { primary: key }));
});

test('keys are 32 bytes in hex or base64', () => {
  assert.equal(parseKey('ab'.repeat(32)).length, 32);
  assert.equal(parseKey(key.toString('base64')).length, 32);
  assert.throws(() => parseKey('short'), /must be 32 bytes/);
});

test('reseal: values of an old key move to the primary, values already under it stay as they are', () => {
  const next = crypto.randomBytes(32);
  const old = sealSecrets({ ipmi_password: 'old', ipmi_address: 'a' }, { primary: key });
  const keys = { primary: next, previous: [key] };
  const moved = resealSecrets({ ...old, new_password: 'clear' }, keys);
  assert.equal(sealedKeyId(moved.ipmi_password), keyId(next));
  assert.ok(isSealed(moved.new_password), 'a secret left in clear is sealed');
  assert.deepEqual(openSecrets(moved, { primary: next }), { ipmi_password: 'old', ipmi_address: 'a', new_password: 'clear' });
  assert.deepEqual(resealSecrets(moved, keys), moved, 'resealing twice changes nothing');
  assert.equal(resealValue(moved.ipmi_password, keys), moved.ipmi_password);
});

test('an object or array under a secret key (a configdrive document) is sealed whole and opened back into itself', () => {
  const doc = {
    configdrive: { meta_data: { hostname: 'web-1' }, user_data: '#cloud-config' },
    extra_secret: [1, 'two'],
    image_source: 'x',
  };
  const sealed = sealSecrets(doc, { primary: key });
  assert.ok(isSealed(sealed.configdrive));
  assert.ok(isSealed(sealed.extra_secret));
  assert.doesNotMatch(JSON.stringify(sealed), /web-1|cloud-config|two/);
  assert.equal(sealed.image_source, 'x');
  assert.deepEqual(openSecrets(sealed, { primary: key }), doc);
  assert.deepEqual(sealSecrets(sealed, { primary: key }), sealed, 'sealing again keeps sealed values');
  const next = crypto.randomBytes(32);
  const moved = resealSecrets(sealed, { primary: next, previous: [key] });
  assert.equal(sealedKeyId(moved.configdrive as unknown as string), keyId(next));
  assert.deepEqual(openSecrets(moved, { primary: next }), doc);
});
