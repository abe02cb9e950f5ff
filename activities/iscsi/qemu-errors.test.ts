import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandFailedError } from '../shared/command-runner';
import { classifyQemuIscsiFailure } from './qemu-errors';
import { ImageWriteFailedError, IscsiAuthError, IscsiConnectionError, IscsiTargetNotFoundError } from './errors';

const fail = (stderr: string, timedOut = false) => new CommandFailedError('qemu-img exited with 1', 1, '', stderr, timedOut);
const open = (reason: string) => `qemu-img: Could not open 'driver=raw,file.driver=iscsi,file.target=iqn.x:y': iSCSI: ${reason}\n`;

test('libiscsi messages map onto typed errors with short details', () => {
  const auth = classifyQemuIscsiFailure(
    fail(open('Failed to connect to LUN : Failed to log in to target. Status: Authentication failure(513)')),
    'T',
    0,
  );
  assert.ok(auth instanceof IscsiAuthError);
  assert.equal(auth.retryable, false);
  const nf = classifyQemuIscsiFailure(
    fail(open('Failed to connect to LUN : Failed to log in to target. Status: Target not found(515)')),
    'T',
    0,
  );
  assert.ok(nf instanceof IscsiTargetNotFoundError);
  const lun = classifyQemuIscsiFailure(
    fail(open('Failed to connect to LUN : SENSE KEY:ILLEGAL_REQUEST(5) ASCQ:LOGICAL_UNIT_NOT_SUPPORTED(0x2500)')),
    'T',
    0,
  );
  assert.ok(lun instanceof IscsiTargetNotFoundError);
  const conn = classifyQemuIscsiFailure(
    fail(open('Failed to connect to LUN : iscsi_service failed with : iscsi_service_reconnect_if_loggedin. Can not reconnect right now.')),
    'T',
    4096,
  );
  assert.ok(conn instanceof IscsiConnectionError);
  assert.equal(conn.retryable, true);
  assert.equal((conn as IscsiConnectionError).bytesWritten, 4096);
  assert.ok(!conn.message.includes('driver='), conn.message);
  const other = classifyQemuIscsiFailure(fail('qemu-img: error while writing at byte 0: Input/output error\n'), 'T', 0);
  assert.ok(other instanceof ImageWriteFailedError);
  assert.match(other.message, /Input\/output error/);
});
