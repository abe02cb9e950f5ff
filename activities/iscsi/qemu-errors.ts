// Maps qemu-img/libiscsi failure text onto our typed iSCSI errors.
import { CommandFailedError } from '../shared/command-runner';
import { IscsiAuthError, IscsiConnectionError, IscsiTargetNotFoundError, ImageWriteFailedError, type IscsiError } from './errors';

function lastLine(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.trim().length > 0);
  if (!lines.length) return 'no output';
  const line = lines[lines.length - 1].replace(/^qemu-img: /, '').trim();
  // "Could not open '<all our options>': iSCSI: <reason>" → "iSCSI: <reason>"
  const i = line.indexOf('iSCSI: ');
  return i >= 0 ? line.slice(i) : line.replace(/^Could not open '[^']*': /, '');
}

/** Classifies a failed qemu-img run against a LUN. */
export function classifyQemuIscsiFailure(err: unknown, target: string, bytesWritten: number): IscsiError {
  const text = err instanceof CommandFailedError ? `${err.stderr}\n${err.stdout}` : String(err);
  const detail = err instanceof CommandFailedError ? lastLine(err.stderr || err.message) : String(err);
  if (/Authentication failure/i.test(text)) return new IscsiAuthError(target);
  if (/Target not found|LOGICAL_UNIT_NOT_SUPPORTED/i.test(text)) return new IscsiTargetNotFoundError(target, detail);
  if (/Failed to connect|reconnect|Connection refused|Broken pipe|Connection reset|timed out|socket/i.test(text)) {
    return new IscsiConnectionError(target, bytesWritten, detail);
  }
  return new ImageWriteFailedError(target, bytesWritten, detail);
}
