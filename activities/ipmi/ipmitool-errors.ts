// Turns a failed ipmitool run into the same typed errors the native client
// throws. ipmitool is run with -v because only then does it say *why* a
// session could not be established (bad password vs no answer vs cipher).
import { CommandFailedError } from '../shared/command-runner';
import { COMPLETION_CODES } from './rmcp/codes';
import { IpmiAuthError, IpmiCompletionCodeError, IpmiError, IpmiTimeoutError, IpmiUnsupportedCipherError } from './rmcp/errors';

const AUTH =
  /RAKP 2 HMAC is invalid|RAKP 4 (HMAC|message has invalid integrity)|unauthorized name|invalid integrity check value|unauthorized role|invalid role|invalid name length|Set Session Privilege Level to .* failed|Insufficient privilege/i;
const CIPHER =
  /invalid (authentication|integrity|confidentiality) algorithm|no cipher suite match|no matching (authentication|integrity) payload|unsupported cipher suite/i;
const NO_ANSWER = /Get Auth Capabilities error|No response from remote controller|Insufficient resources for session|Unable to establish/i;

function completionCode(text: string): number | undefined {
  const raw = /rsp=0x([0-9a-f]{2})\)/i.exec(text);
  if (raw) return parseInt(raw[1], 16);
  const named = /failed: ([^\n]+)/i.exec(text);
  if (!named) return undefined;
  const name = named[1].trim().toLowerCase();
  for (const [code, desc] of Object.entries(COMPLETION_CODES)) {
    if (desc.toLowerCase() === name) return Number(code);
  }
  if (name === 'device firmeware in update mode') return 0xd1; // ipmitool's spelling
  return undefined;
}

export function ipmitoolError(e: unknown, what: string, elapsedMs: number): Error {
  if (!(e instanceof CommandFailedError)) return e instanceof Error ? e : new IpmiError(String(e));
  const text = `${e.stderr}\n${e.stdout}`;
  if (e.timedOut) return new IpmiTimeoutError(`ipmitool ${what} was killed after ${elapsedMs} ms`, 1, elapsedMs);
  if (AUTH.test(text)) return new IpmiAuthError(`ipmitool ${what}: authentication failed (${lastLine(text)})`);
  if (CIPHER.test(text)) return new IpmiUnsupportedCipherError(`ipmitool ${what}: cipher suite refused (${lastLine(text)})`);
  const code = completionCode(text);
  if (code !== undefined) return new IpmiCompletionCodeError(code, `ipmitool ${what}`);
  if (NO_ANSWER.test(text)) return new IpmiTimeoutError(`ipmitool ${what}: no answer from BMC (${lastLine(text)})`, 1, elapsedMs);
  return new IpmiError(`ipmitool ${what} failed: ${e.message}`);
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Loading IANA') && !l.startsWith('Running Get VSO'));
  return lines.find((l) => AUTH.test(l) || CIPHER.test(l)) ?? lines[lines.length - 1] ?? '';
}
