// Secrets at rest: secret values inside JSON documents (driver_info, instance_info)
// are sealed with AES-256-GCM before they reach the database, and opened only by
// code that needs them (the worker's activities). Sealed values look like
// "$sealed:v1:<key id>:<base64 iv|tag|ciphertext>"; the key id lets old keys keep
// opening rows during a key rotation.
import crypto from 'node:crypto';
import { isSecretKey } from '#workflows/domain/secrets';

const PREFIX = '$sealed:v1:';
/** A sealed JSON value (an object or array under a secret key, e.g. a configdrive document): opened, it is parsed back. */
const JSON_PREFIX = '$sealed:v1json:';

export interface SealKeys {
  /** Seals new values. */
  primary: Buffer;
  /** Still open old values (rotation). */
  previous?: Buffer[];
}

export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** Parses a key given as 64 hex characters or base64 of 32 bytes. */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const buf = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (buf.length !== 32) throw new Error('A secret key must be 32 bytes, given as 64 hex characters or base64.');
  return buf;
}

export function isSealed(v: unknown): v is string {
  return typeof v === 'string' && (v.startsWith(PREFIX) || v.startsWith(JSON_PREFIX));
}

function prefixOf(sealed: string): string {
  return sealed.startsWith(JSON_PREFIX) ? JSON_PREFIX : PREFIX;
}

export function sealValue(plain: string, keys: SealKeys, prefix = PREFIX): string {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', keys.primary, iv);
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `${prefix}${keyId(keys.primary)}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
}

/** The id of the key that sealed a value. */
export function sealedKeyId(sealed: string): string {
  return sealed.slice(prefixOf(sealed).length).split(':')[0] ?? '';
}

/** The plain text of a sealed value (for a sealed JSON value, its JSON text). */
export function openValue(sealed: string, keys: SealKeys): string {
  const [id, b64] = sealed.slice(prefixOf(sealed).length).split(':');
  const key = [keys.primary, ...(keys.previous ?? [])].find((k) => keyId(k) === id);
  if (!key) throw new Error(`No configured secret key has id ${id}; add the old key to IRONFLOW_SECRET_KEYS_PREVIOUS.`);
  const raw = Buffer.from(b64 ?? '', 'base64');
  const d = crypto.createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
}

function walk(value: unknown, fn: (key: string, v: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, fn));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = fn(k, v) ?? walk(v, fn);
    return out;
  }
  return value;
}

/** A secret value sealed: a string as itself, an object or array whole, as JSON; else undefined (nothing to seal). */
function sealSecret(v: unknown, keys: SealKeys): string | undefined {
  if (typeof v === 'string') return v !== '' && !isSealed(v) ? sealValue(v, keys) : undefined;
  return v !== null && typeof v === 'object' ? sealValue(JSON.stringify(v), keys, JSON_PREFIX) : undefined;
}

/** Seals every string, object or array value under a secret key (already sealed values are kept). */
export function sealSecrets<T>(doc: T, keys: SealKeys): T {
  return walk(doc, (k, v) => (isSecretKey(k) ? sealSecret(v, keys) : undefined)) as T;
}

/** Opens every sealed value (a sealed JSON value back into its object or array). */
export function openSecrets<T>(doc: T, keys: SealKeys): T {
  return walk(doc, (_k, v) => {
    if (!isSealed(v)) return undefined;
    const plain = openValue(v, keys);
    return prefixOf(v) === JSON_PREFIX ? (JSON.parse(plain) as unknown) : plain;
  }) as T;
}

/** A sealed value under the primary key: unchanged if it already is, else opened and sealed again (same kind). */
export function resealValue(sealed: string, keys: SealKeys): string {
  return sealedKeyId(sealed) === keyId(keys.primary) ? sealed : sealValue(openValue(sealed, keys), keys, prefixOf(sealed));
}

/** Every secret of doc sealed under the primary key: older keys' values re-sealed, clear ones sealed. */
export function resealSecrets<T>(doc: T, keys: SealKeys): T {
  return walk(doc, (k, v) => {
    if (isSealed(v)) return resealValue(v, keys);
    return isSecretKey(k) ? sealSecret(v, keys) : undefined;
  }) as T;
}
