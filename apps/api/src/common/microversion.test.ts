import { test } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from './microversion';

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
