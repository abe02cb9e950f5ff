// Small, strict readers for request input with messages that say what to fix.
import { BadRequestError } from './errors';

export type Json = Record<string, unknown>;

export function requireObjectBody(body: unknown, resource: string): Json {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError(`Schema error for ${resource}: the request body must be a JSON object.`);
  }
  return body as Json;
}

export function rejectUnknownKeys(body: Json, allowed: readonly string[], resource: string): void {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) {
    throw new BadRequestError(
      `Schema error for ${resource}: Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected). Allowed: ${allowed.join(', ')}.`,
    );
  }
}

const TRUE = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE = ['0', 'f', 'false', 'off', 'n', 'no'];

/** Ironic accepts booleans and their usual string spellings. */
export function readBool(v: unknown, name: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.includes(s)) return true;
    if (FALSE.includes(s)) return false;
  }
  throw new BadRequestError(
    `Invalid ${name}: Unrecognized value ${JSON.stringify(v)}, acceptable values are: ${[...TRUE, ...FALSE].map((s) => `'${s}'`).join(', ')}`,
  );
}

export function readOptBool(v: unknown, name: string): boolean | null | undefined {
  if (v === undefined || v === null) return v as null | undefined;
  return readBool(v, name);
}

export function readString(v: unknown, name: string, max = 255): string {
  if (typeof v !== 'string') throw new BadRequestError(`Expected string for ${name}: ${JSON.stringify(v)}`);
  if (v.length > max) throw new BadRequestError(`Invalid ${name}: ${v.length} characters is longer than the maximum of ${max}.`);
  return v;
}

export function readOptString(v: unknown, name: string, max = 255): string | null | undefined {
  if (v === undefined || v === null) return v as null | undefined;
  return readString(v, name, max);
}

export function readObject(v: unknown, name: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new BadRequestError(
      `Invalid ${name}: expected a JSON object, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}.`,
    );
  }
  return v as Json;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isUuidLike(s: string): boolean {
  return UUID_RE.test(s);
}

/** Canonical lower-case hyphenated form. */
export function normalizeUuid(s: string): string {
  const hex = s.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function readUuid(v: unknown, name: string): string {
  if (typeof v !== 'string' || !isUuidLike(v))
    throw new BadRequestError(`Expected UUID for ${name}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return normalizeUuid(v);
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

export function readMac(v: unknown, name = 'address'): string {
  if (typeof v !== 'string' || !MAC_RE.test(v)) {
    throw new BadRequestError(
      `Expected valid MAC address for ${name}: ${typeof v === 'string' ? v : JSON.stringify(v)}. Use six colon-separated hex pairs, e.g. 52:54:00:12:34:56.`,
    );
  }
  return v.toLowerCase();
}

export function readPositiveInt(v: unknown, name: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new BadRequestError(`Invalid ${name}: expected an integer, got ${JSON.stringify(v)}.`);
  return n;
}
