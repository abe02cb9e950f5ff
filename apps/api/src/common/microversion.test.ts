import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, requestedVersion } from './microversion';

test('microversion negotiation follows Ironic', () => {
  assert.equal(negotiate(undefined), 1);
  assert.equal(negotiate(''), 1);
  assert.equal(negotiate('latest'), 95);
  assert.equal(negotiate('LATEST'), 95);
  assert.equal(negotiate('1.34'), 34);
  assert.equal(negotiate('1.79'), 79);
  assert.throws(() => negotiate('1.96'), /minor version is not supported.*\[1\.1, 1\.95\]/);
  assert.throws(() => negotiate('1.0'), /minor version is not supported/);
  assert.throws(() => negotiate('2.1'), /Mutually exclusive versions requested/);
  assert.throws(() => negotiate('1'), /Invalid value for X-OpenStack-Ironic-API-Version header/);
  assert.throws(() => negotiate('1.x'), /Invalid value/);
});

test('OpenStack-API-Version: its baremetal entry wins over the legacy header; other services are ignored', () => {
  assert.deepEqual(requestedVersion('baremetal 1.80', '1.34'), { value: '1.80', header: 'OpenStack-API-Version' });
  assert.deepEqual(requestedVersion('compute 2.1, BareMetal latest', undefined), { value: 'latest', header: 'OpenStack-API-Version' });
  assert.deepEqual(requestedVersion('compute 2.1', '1.34'), { value: '1.34', header: 'X-OpenStack-Ironic-API-Version' });
  assert.deepEqual(requestedVersion(undefined, undefined), { value: undefined, header: 'X-OpenStack-Ironic-API-Version' });
  assert.throws(() => negotiate('1', 'OpenStack-API-Version'), /Invalid value for OpenStack-API-Version header/);
  assert.equal(negotiate(requestedVersion('baremetal 1.89', undefined).value), 89);
});
