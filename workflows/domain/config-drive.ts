// What a `configdrive` in `PUT /v1/nodes/{id}/states/provision` may be, checked the same way by the API
// (400 before anything starts) and by the worker (before it writes a disk). Ironic's two forms:
//   - a string: base64 of a gzip'd ISO 9660 image whose volume id is `config-2` (a non-gzipped ISO is
//     accepted too, as Ironic does); at most CONFIG_DRIVE_MAX_BYTES once decoded;
//   - from API 1.56, a JSON object {meta_data, user_data, network_data, vendor_data} (each optional) that
//     the worker builds into such an ISO (activities/configdrive/).
// Pure: no Node built-ins. Inflating gzip is the one thing that needs zlib, so the caller passes it in:
//   decodeConfigDriveImage(text, (b, max) => zlib.gunzipSync(b, { maxOutputLength: max }))
// Every refusal is a ConfigDriveError whose message says what to fix; retrying cannot help (retryable false).

/** Ironic's cap on a config drive (decoded ISO size); a bigger one is refused with 400. */
export const CONFIG_DRIVE_MAX_BYTES = 64 * 1024 * 1024;
/** The ISO 9660 volume id cloud-init looks for (blkid LABEL=config-2, or CONFIG-2). */
export const CONFIG_DRIVE_LABEL = 'config-2';
/** The keys a configdrive object may hold (Ironic's schema: additionalProperties false). */
export const CONFIG_DRIVE_KEYS = ['meta_data', 'user_data', 'network_data', 'vendor_data'] as const;

export type JsonObject = { [key: string]: unknown };

export interface ConfigDriveDocument {
  meta_data?: JsonObject;
  /** A string is written as is; an object or array is JSON-encoded (as Ironic does); null means none. */
  user_data?: string | JsonObject | unknown[] | null;
  network_data?: JsonObject;
  vendor_data?: JsonObject;
}

export type ConfigDriveRequest = { kind: 'image'; base64: string } | { kind: 'document'; document: ConfigDriveDocument };

/**
 * Inflates gzip data. Throws a RangeError when the output would exceed maxOutputBytes (as Node's
 * zlib.gunzipSync(bytes, { maxOutputLength }) does), any other error when the data is not valid gzip.
 */
export type Gunzip = (bytes: Uint8Array, maxOutputBytes: number) => Uint8Array;

export class ConfigDriveError extends Error {
  readonly retryable = false;
  readonly type = 'InvalidConfigDrive';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigDriveError';
  }
}

const MiB = 1024 * 1024;
const FORMS =
  'send base64 of a gzipped ISO 9660 image labelled config-2, or (API 1.56+) a JSON object with meta_data, user_data, network_data and vendor_data';

function mib(n: number): string {
  return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
}

function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Sorts a request into its form and checks its shape (not yet the ISO inside a string: see decodeConfigDriveImage). */
export function parseConfigDriveRequest(value: unknown): ConfigDriveRequest {
  if (typeof value === 'string') {
    if (value.trim() === '') throw new ConfigDriveError(`configdrive is an empty string: ${FORMS}.`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) {
      throw new ConfigDriveError(
        'configdrive looks like a URL: Ironflow does not fetch config drives; send the gzipped, base64-encoded ISO itself.',
      );
    }
    base64Problem(value);
    return { kind: 'image', base64: value };
  }
  if (!isPlainObject(value)) throw new ConfigDriveError(`configdrive is ${kindOf(value)}: ${FORMS}.`);
  const unknown = Object.keys(value).filter((k) => !(CONFIG_DRIVE_KEYS as readonly string[]).includes(k));
  if (unknown.length) {
    throw new ConfigDriveError(
      `configdrive has unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}: a configdrive object may hold only meta_data, user_data, network_data and vendor_data.`,
    );
  }
  for (const k of ['meta_data', 'network_data', 'vendor_data'] as const) {
    if (k in value && !isPlainObject(value[k]))
      throw new ConfigDriveError(`configdrive.${k} is ${kindOf(value[k])}: it must be a JSON object.`);
  }
  const u = value.user_data;
  if (u !== undefined && u !== null && typeof u !== 'string' && typeof u !== 'object') {
    throw new ConfigDriveError(
      `configdrive.user_data is ${kindOf(u)}: give a string (e.g. a #cloud-config or a script), or an object or array to be JSON-encoded.`,
    );
  }
  const size = utf8Length(JSON.stringify(value));
  if (size > CONFIG_DRIVE_MAX_BYTES) {
    throw new ConfigDriveError(
      `configdrive is ${mib(size)} of JSON: a config drive may hold at most ${mib(CONFIG_DRIVE_MAX_BYTES)}; move large payloads out of it.`,
    );
  }
  return { kind: 'document', document: value as ConfigDriveDocument };
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** The base64 text without line breaks and spaces (clients may wrap it); throws a ConfigDriveError when it is not base64. */
function base64Problem(text: string): string {
  const s = text.replace(/[\s]+/g, '');
  const bad = /[^A-Za-z0-9+/=]/.exec(s);
  if (bad) {
    const what = bad[0] === '-' || bad[0] === '_' ? ' (URL-safe base64 is not accepted: use + and /)' : '';
    throw new ConfigDriveError(
      `configdrive is not valid base64: character ${JSON.stringify(bad[0])} at position ${bad.index}${what}. ${FORMS[0].toUpperCase()}${FORMS.slice(1)}.`,
    );
  }
  const pad = s.indexOf('=');
  if (pad !== -1 && !/^={1,2}$/.test(s.slice(pad)))
    throw new ConfigDriveError('configdrive is not valid base64: "=" padding may appear only at the very end, at most twice.');
  if (s.length % 4 !== 0)
    throw new ConfigDriveError(
      `configdrive is not valid base64: its length (${s.length} characters without whitespace) is not a multiple of 4; it looks truncated.`,
    );
  const decoded = (s.length / 4) * 3 - (pad === -1 ? 0 : s.length - pad);
  // gzip can only grow incompressible data by a few bytes per 64 KiB block.
  if (decoded > CONFIG_DRIVE_MAX_BYTES + CONFIG_DRIVE_MAX_BYTES / 1024 + 1024) {
    throw new ConfigDriveError(
      `configdrive is ${mib(decoded)} once base64-decoded: a config drive may be at most ${mib(CONFIG_DRIVE_MAX_BYTES)}.`,
    );
  }
  return s;
}

/** Decodes standard base64 (whitespace ignored). */
export function decodeBase64(text: string): Uint8Array {
  const s = base64Problem(text);
  const end = s.indexOf('=') === -1 ? s.length : s.indexOf('=');
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    acc = (acc << 6) | B64_INDEX[s.charCodeAt(i)];
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/**
 * The ISO image a configdrive string carries: base64-decoded, gunzipped when gzip'd, then checked by
 * checkConfigDriveIso. Throws a ConfigDriveError.
 */
export function decodeConfigDriveImage(text: string, gunzip: Gunzip): Uint8Array {
  const raw = decodeBase64(text);
  if (!isGzip(raw)) {
    checkConfigDriveIso(raw, 'configdrive (base64-decoded; it is not gzip data)');
    return raw;
  }
  let iso: Uint8Array;
  try {
    iso = gunzip(raw, CONFIG_DRIVE_MAX_BYTES);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new ConfigDriveError(
        `configdrive inflates beyond ${mib(CONFIG_DRIVE_MAX_BYTES)}: a config drive may be at most ${mib(CONFIG_DRIVE_MAX_BYTES)}.`,
      );
    }
    const detail = e instanceof Error ? e.message : String(e);
    throw new ConfigDriveError(
      `configdrive is base64 of data that starts like gzip but does not inflate (${detail}): send the whole gzip file, base64-encoded.`,
    );
  }
  checkConfigDriveIso(iso, 'configdrive (base64-decoded and gunzipped)');
  return iso;
}

const SECTOR = 2048;
const PVD = 16 * SECTOR;

function ascii(b: Uint8Array, from: number, len: number): string {
  let s = '';
  for (let i = from; i < from + len; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** The ISO 9660 volume id, or undefined when the bytes carry no primary volume descriptor. */
export function isoVolumeId(b: Uint8Array): string | undefined {
  if (b.length < PVD + SECTOR || b[PVD] !== 1 || ascii(b, PVD + 1, 5) !== 'CD001') return undefined;
  return ascii(b, PVD + 40, 32).replace(/[ \u0000]+$/, '');
}

/** Size in bytes the ISO's primary volume descriptor claims (volume space size × logical block size). */
export function isoDeclaredSize(b: Uint8Array): number {
  const blocks = (b[PVD + 80] | (b[PVD + 81] << 8) | (b[PVD + 82] << 16) | (b[PVD + 83] << 24)) >>> 0;
  const blockSize = b[PVD + 128] | (b[PVD + 129] << 8);
  return blocks * blockSize;
}

/** Checks that bytes are an ISO 9660 image labelled config-2 within the cap; `what` names them in messages. */
export function checkConfigDriveIso(b: Uint8Array, what = 'the config drive'): void {
  if (b.length > CONFIG_DRIVE_MAX_BYTES) {
    throw new ConfigDriveError(`${what} is ${mib(b.length)}: a config drive may be at most ${mib(CONFIG_DRIVE_MAX_BYTES)}.`);
  }
  const label = isoVolumeId(b);
  if (label === undefined) {
    throw new ConfigDriveError(
      `${what} is not an ISO 9660 image (no "CD001" primary volume descriptor at byte ${PVD + 1}): build it with genisoimage/mkisofs/xorrisofs -V config-2, then gzip and base64 it (openstacksdk's baremetal.configdrive.build does this).`,
    );
  }
  if (label !== CONFIG_DRIVE_LABEL && label !== CONFIG_DRIVE_LABEL.toUpperCase()) {
    throw new ConfigDriveError(
      `${what} is an ISO 9660 image labelled ${JSON.stringify(label)}: cloud-init looks for the volume id "config-2"; rebuild it with -V config-2.`,
    );
  }
  const declared = isoDeclaredSize(b);
  if (declared > b.length) {
    throw new ConfigDriveError(`${what} is truncated: its volume descriptor says ${declared} bytes but only ${b.length} were sent.`);
  }
}

/** Why a configdrive value cannot be used, or undefined: the API's one-call check (the string form is decoded fully). */
export function configDriveProblem(value: unknown, gunzip: Gunzip): string | undefined {
  try {
    const req = parseConfigDriveRequest(value);
    if (req.kind === 'image') decodeConfigDriveImage(req.base64, gunzip);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigDriveError) return e.message;
    throw e;
  }
}
