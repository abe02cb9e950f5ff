import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpmiAuthError, IpmiCompletionCodeError, IpmiSessionError, IpmiTimeoutError, IpmiUnsupportedCipherError } from './errors';

test('credentials and cipher problems are not retryable; timeouts are', () => {
  assert.equal(new IpmiAuthError('x').retryable, false);
  assert.equal(new IpmiUnsupportedCipherError('x').retryable, false);
  assert.equal(new IpmiTimeoutError('x', 1, 1).retryable, true);
  assert.equal(new IpmiAuthError('x').name, 'IpmiAuthError');
});

test('completion code errors carry the code, a name, and retryability by code', () => {
  const busy = new IpmiCompletionCodeError(0xc0, 'Chassis Control');
  assert.equal(busy.code, 0xc0);
  assert.equal(busy.retryable, true);
  assert.match(busy.message, /Chassis Control failed: Node busy \(0xc0\)/);
  const invalid = new IpmiCompletionCodeError(0xcc, 'Set System Boot Options');
  assert.equal(invalid.retryable, false);
  assert.match(invalid.message, /Invalid data field in request/);
});

test('RAKP statuses are named', () => {
  assert.match(new IpmiSessionError(0x01).message, /insufficient resources/);
});
