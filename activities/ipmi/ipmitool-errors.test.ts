import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandFailedError } from '../shared/command-runner';
import { ipmitoolError } from './ipmitool-errors';
import { IpmiAuthError, IpmiCompletionCodeError, IpmiTimeoutError, IpmiUnsupportedCipherError } from './rmcp/errors';

const failed = (stderr: string, timedOut = false): CommandFailedError =>
  new CommandFailedError('ipmitool exited with 1', 1, '', stderr, timedOut);
const SESSION = 'Error: Unable to establish IPMI v2 / RMCP+ session\n';

test('ipmitool -v messages map to the typed errors', () => {
  const cases: Array<[string, new (...a: never[]) => Error]> = [
    [`Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\n${SESSION}`, IpmiAuthError],
    [`RAKP 2 message indicates an error : unauthorized name\n${SESSION}`, IpmiAuthError],
    [`Error in open session response message : invalid authentication algorithm\n\n${SESSION}`, IpmiUnsupportedCipherError],
    [`Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\n${SESSION}`, IpmiTimeoutError],
    ['Unable to send RAW command (channel=0x0 netfn=0x0 lun=0x0 cmd=0x8 rsp=0xcc): Invalid data field in request', IpmiCompletionCodeError],
    ['Set Chassis Boot Parameter 5 failed: Unspecified error', IpmiCompletionCodeError],
  ];
  for (const [stderr, cls] of cases) {
    assert.ok(ipmitoolError(failed(stderr), 'x', 10) instanceof cls, stderr);
  }
});

test('completion codes come back numerically; auth and cipher are not retryable', () => {
  const raw = ipmitoolError(failed('... rsp=0xcc): Invalid data field in request'), 'raw', 1);
  assert.ok(raw instanceof IpmiCompletionCodeError && raw.code === 0xcc && !raw.retryable);
  const named = ipmitoolError(failed('Set Chassis Boot Parameter 5 failed: Unspecified error'), 'bootdev', 1);
  assert.ok(named instanceof IpmiCompletionCodeError && named.code === 0xff && named.retryable);
  assert.equal(ipmitoolError(failed(`RAKP 2 HMAC is invalid\n${SESSION}`), 'x', 1) instanceof IpmiAuthError, true);
  assert.equal((ipmitoolError(failed(`RAKP 2 HMAC is invalid\n${SESSION}`), 'x', 1) as IpmiAuthError).retryable, false);
});

test('a killed ipmitool is a timeout', () => {
  assert.ok(ipmitoolError(failed('', true), 'power status', 30000) instanceof IpmiTimeoutError);
});
