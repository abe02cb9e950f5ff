// Parses and validates where an image comes from and what its checksum is.
// The URL is read by the parser the API uses too (workflows/domain/image-refs.ts);
// this file adds what only the worker can check, in the worker's words.
// http(s) URLs with a literal address must point at an allowed one (host names
// are resolved and checked when downloading, download.ts); file:// URLs must
// resolve (symlinks included) to a regular file inside the configured image directory.
import fs from 'node:fs/promises';
import path from 'node:path';
import { allowAdvice, type Cidr } from '#workflows/domain/image-networks';
import { isImageUrlFault, literalAddressRefusal, readImageUrl } from '#workflows/domain/image-refs';
import { ImageSourceRefusedError, InvalidChecksumError, InvalidImageSourceError } from './errors';

export type ImageSource =
  { kind: 'http'; url: string } | { kind: 'file'; url: string; /** Real path, inside the image directory. */ path: string };

export type ChecksumAlgo = 'md5' | 'sha256' | 'sha512';

export interface Checksum {
  algo: ChecksumAlgo;
  /** Lower-case hex. */
  hex: string;
}

const HEX_LENGTH: Record<ChecksumAlgo, number> = { md5: 32, sha256: 64, sha512: 128 };

/** Shows a URL without any user:password part, for messages. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return '<unparseable URL>';
  }
}

/**
 * Validates an image source. `imageDir` is the only place file:// sources may
 * point into; without it file:// is refused. With `allowedNetworks`, an http(s)
 * URL whose host is a literal address outside them is refused here, even if the
 * image is already cached.
 */
export async function parseImageSource(
  raw: string,
  opts: { imageDir?: string; allowedNetworks?: readonly Cidr[] } = {},
): Promise<ImageSource> {
  const ref = readImageUrl(raw);
  if (isImageUrlFault(ref)) {
    switch (ref.fault) {
      case 'empty':
      case 'too-long': // no limit asked for: cannot happen
        throw new InvalidImageSourceError('image source is empty: give an http://, https:// or file:// URL');
      case 'unsafe-characters':
        throw new InvalidImageSourceError('image source contains whitespace or control characters: percent-encode them');
      case 'not-a-url':
        throw new InvalidImageSourceError(
          `image source ${JSON.stringify(raw.slice(0, 200))} is not a URL: give an http://, https:// or file:// URL`,
        );
      case 'unsupported-scheme':
        throw new InvalidImageSourceError(`image source scheme ${ref.scheme} is not supported: use http://, https:// or file://`);
      case 'no-host':
        throw new InvalidImageSourceError(`image URL ${redactUrl(raw)} has no host`);
    }
  }
  if (ref.kind === 'http') {
    const why = opts.allowedNetworks ? literalAddressRefusal(ref, opts.allowedNetworks) : undefined;
    if (why) throw new ImageSourceRefusedError(`image URL ${redactUrl(raw)} refused: ${why}; ${allowAdvice(ref.host)}`);
    return { kind: 'http', url: ref.url.toString() };
  }
  if (!opts.imageDir) {
    throw new InvalidImageSourceError('file:// image sources are disabled: configure an image directory or use http(s)://');
  }
  if (ref.host) {
    throw new InvalidImageSourceError(`file:// URL names host ${ref.host}: only local files (file:///path) are allowed`);
  }
  const wanted = decodeURIComponent(ref.url.pathname);
  const real = await resolveInside(opts.imageDir, wanted);
  return { kind: 'file', url: ref.url.toString(), path: real };
}

/** Resolves a path (following symlinks) and checks that it is a regular file inside dir. */
export async function resolveInside(dir: string, wanted: string): Promise<string> {
  if (wanted.includes('\0')) throw new InvalidImageSourceError('file path contains a NUL byte');
  let realDir: string;
  try {
    realDir = await fs.realpath(dir);
  } catch {
    throw new InvalidImageSourceError(`configured image directory ${dir} does not exist`);
  }
  const candidate = path.isAbsolute(wanted) ? wanted : path.join(realDir, wanted);
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch {
    throw new InvalidImageSourceError(`image file ${wanted} does not exist`);
  }
  if (real !== realDir && !real.startsWith(realDir + path.sep)) {
    throw new InvalidImageSourceError(`image file ${wanted} is outside the image directory ${dir}: copy it there or serve it over http(s)`);
  }
  const st = await fs.stat(real);
  if (!st.isFile()) throw new InvalidImageSourceError(`image file ${wanted} is not a regular file`);
  return real;
}

/** Parses `md5:<hex>`, `sha256:<hex>`, `sha512:<hex>` or a bare 32-digit md5. */
export function parseChecksum(spec: string): Checksum {
  if (typeof spec !== 'string' || spec.trim() === '') {
    throw new InvalidChecksumError('checksum is empty: give <algo>:<hex> with algo md5, sha256 or sha512');
  }
  const s = spec.trim();
  const m = /^([A-Za-z0-9]+):(.*)$/.exec(s);
  if (!m) {
    if (/^[0-9a-fA-F]{32}$/.test(s)) return { algo: 'md5', hex: s.toLowerCase() };
    throw new InvalidChecksumError(
      `checksum ${JSON.stringify(s.slice(0, 140))} is not understood: give <algo>:<hex> (md5, sha256, sha512) or a bare 32-digit md5`,
    );
  }
  return checksumOf(m[1], m[2]);
}

function checksumOf(algoText: string, hexText: string): Checksum {
  const algo = algoText.toLowerCase();
  if (algo !== 'md5' && algo !== 'sha256' && algo !== 'sha512') {
    throw new InvalidChecksumError(
      `checksum algorithm ${JSON.stringify(algoText.slice(0, 20))} is not supported: use md5, sha256 or sha512`,
    );
  }
  const hex = hexText.trim().toLowerCase();
  const want = HEX_LENGTH[algo];
  if (!/^[0-9a-f]+$/.test(hex) || hex.length !== want) {
    throw new InvalidChecksumError(`${algo} checksum must be ${want} hex digits, got ${hex.length} characters`);
  }
  return { algo, hex };
}

/** Ironic's instance_info image fields. */
export interface IronicImageChecksumFields {
  image_checksum?: string | null;
  image_os_hash_algo?: string | null;
  image_os_hash_value?: string | null;
}

/**
 * Picks the checksum from Ironic-style fields: `image_os_hash_algo` +
 * `image_os_hash_value` win when both are present (as in Ironic); otherwise
 * `image_checksum` (bare md5 or `<algo>:<hex>`).
 */
export function checksumFromIronic(f: IronicImageChecksumFields): Checksum {
  const algo = f.image_os_hash_algo ?? undefined;
  const value = f.image_os_hash_value ?? undefined;
  if (algo && !value) throw new InvalidChecksumError('image_os_hash_algo is set but image_os_hash_value is missing');
  if (value && !algo) throw new InvalidChecksumError('image_os_hash_value is set but image_os_hash_algo is missing');
  if (algo && value) return checksumOf(algo, value);
  if (f.image_checksum) return parseChecksum(f.image_checksum);
  throw new InvalidChecksumError('no checksum given: set image_checksum or image_os_hash_algo + image_os_hash_value');
}

export function formatChecksum(c: Checksum): string {
  return `${c.algo}:${c.hex}`;
}
