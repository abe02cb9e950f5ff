// Structured JSON logs (pino). Anything that looks like a secret is redacted.
import pino, { type Logger } from 'pino';

const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'ipmi_password',
  '*.ipmi_password',
  '*.*.ipmi_password',
  'secret',
  '*.secret',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  '*["x-auth-token"]',
  '*.*["x-auth-token"]',
  'driver_info',
  '*.driver_info',
  'chap_secret',
  '*.chap_secret',
];

export function createLogger(name: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '******' }, base: { svc: name } }, destination);
}
export type { Logger };
