// The one reading of the references users give to the files a deploy reads:
// instance_info.image_source (an http://, https:// or file:// URL) and the boot
// files instance_info.kernel/ramdisk and driver_info.deploy_kernel/
// deploy_ramdisk (a file:// URL or an absolute path). Pure and syntactic (no
// DNS, no filesystem).
//
// Both sides read with these functions and differ only in policy and words:
// - the API answers 400 before anything starts (imageSourceProblem,
//   bootFileProblem: the messages users see on a refused request);
// - the worker checks again what only it can see (resolved addresses, real
//   paths inside its directories: activities/images/image-source.ts,
//   download.ts, activities/deploy/boot-file-source.ts), in its own error
//   messages, which users see as last_error.
import { allowAdvice, imageAddressRefusal, parseIp, type Cidr } from './image-networks';

/** An image URL that names something fetchable. */
export type ImageUrl =
  | {
      kind: 'http';
      url: URL;
      /** The host name or address, IPv6 brackets removed; the URL parser has already turned 0x7f.1, 2130706433 and friends into dotted form. */
      host: string;
    }
  | {
      kind: 'file';
      url: URL;
      /** The host the URL names: '' for a local file (file:///path or file://localhost/path). */
      host: string;
      /** What follows file:// as written, still percent-encoded. */
      rawPath: string;
    };

/** Why a string is not a usable image URL. One code per rule; each side words it for its readers. */
export type ImageUrlFault =
  | { fault: 'empty' }
  | { fault: 'too-long'; max: number }
  | { fault: 'unsafe-characters' }
  | { fault: 'not-a-url' }
  | { fault: 'unsupported-scheme'; scheme: string }
  | { fault: 'no-host' };

/** The longest reference the API accepts. */
export const MAX_REF_LENGTH = 4096;

/** A URL's host as an address or name: IPv6 brackets removed. */
export function urlHost(u: URL): string {
  return u.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Reads an image URL: http(s) with a host, or file. `maxLength` refuses longer
 * text (the API passes MAX_REF_LENGTH). Whitespace and control characters are
 * refused rather than guessed at: a URL carries them percent-encoded.
 */
export function readImageUrl(raw: unknown, opts: { maxLength?: number } = {}): ImageUrl | ImageUrlFault {
  if (typeof raw !== 'string' || raw.trim() === '') return { fault: 'empty' };
  if (opts.maxLength !== undefined && raw.length > opts.maxLength) return { fault: 'too-long', max: opts.maxLength };
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { fault: 'unsafe-characters' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { fault: 'not-a-url' };
  }
  if (url.protocol === 'file:')
    return { kind: 'file', url, host: url.hostname === 'localhost' ? '' : url.hostname, rawPath: raw.slice('file://'.length) };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { fault: 'unsupported-scheme', scheme: url.protocol };
  if (!url.hostname) return { fault: 'no-host' };
  return { kind: 'http', url, host: urlHost(url) };
}

export function isImageUrlFault(r: ImageUrl | ImageUrlFault): r is ImageUrlFault {
  return 'fault' in r;
}

/**
 * Why an http(s) image URL's host may not be used, or undefined: a literal
 * address outside the allowed networks is refused (host names are resolved and
 * checked by the worker when it downloads).
 */
export function literalAddressRefusal(ref: ImageUrl & { kind: 'http' }, allowed: readonly Cidr[]): string | undefined {
  return parseIp(ref.host) ? imageAddressRefusal(ref.host, allowed) : undefined;
}

/** Percent-decoded path segments; `..` hidden as %2e%2e or %2f is found too. */
export function hasDotSegment(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true; // malformed escapes: refuse rather than guess
  }
  return decoded.split(/[/\\]/).some((seg) => seg === '..' || seg === '.');
}

/** A boot file reference: the local path it names. */
export interface BootFileRef {
  /** Absolute and percent-decoded (for file:// URLs); no . or .. segments. */
  path: string;
}

/** Why a string is not a usable boot file reference. */
export type BootFileFault =
  | { fault: 'empty' }
  | { fault: 'too-long'; max: number }
  | { fault: 'control-characters' }
  | { fault: 'not-a-url' }
  | { fault: 'unsupported-scheme'; scheme: string }
  | { fault: 'remote-file'; host: string }
  | { fault: 'not-absolute' }
  | { fault: 'dot-segment' };

/**
 * Reads a boot file reference (deploy_kernel, kernel, ...): a local file,
 * file:///path or /path, with no . or .. segments. Whether it lies inside the
 * worker's allowed directories only the worker knows.
 */
export function readBootFile(raw: unknown): BootFileRef | BootFileFault {
  if (typeof raw !== 'string' || raw === '') return { fault: 'empty' };
  if (raw.length > MAX_REF_LENGTH) return { fault: 'too-long', max: MAX_REF_LENGTH };
  if (/[\u0000-\u001f\u007f]/.test(raw)) return { fault: 'control-characters' };
  let path = raw;
  let url: URL | undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw)) {
    try {
      url = new URL(raw);
    } catch {
      return { fault: 'not-a-url' };
    }
    if (url.protocol !== 'file:') return { fault: 'unsupported-scheme', scheme: url.protocol };
    if (url.hostname && url.hostname !== 'localhost') return { fault: 'remote-file', host: url.hostname };
    path = raw.slice('file://'.length).replace(/^localhost/, '');
  }
  if (!path.startsWith('/')) return { fault: 'not-absolute' };
  if (hasDotSegment(path)) return { fault: 'dot-segment' };
  // Only a reference spelled file: (lower case) is read as a URL by the worker: FILE:///x stays
  // the path "FILE:///x", which no directory holds (as before this parser was shared).
  return { path: url && raw.startsWith('file:') ? decodeURIComponent(url.pathname) : raw };
}

export function isBootFileFault(r: BootFileRef | BootFileFault): r is BootFileFault {
  return 'fault' in r;
}

function show(v: string): string {
  return JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…` : v);
}

const IMAGE_SOURCE = 'instance_info.image_source';
const GIVE_URL = 'give an http://, https:// or file:// URL';

/** The API's words: why image_source cannot be used, or undefined. Literal addresses are checked against the allowed networks. */
export function imageSourceProblem(raw: unknown, allowed: readonly Cidr[]): string | undefined {
  const ref = readImageUrl(raw, { maxLength: MAX_REF_LENGTH });
  if (isImageUrlFault(ref)) {
    const text = raw as string;
    switch (ref.fault) {
      case 'empty':
        return `${IMAGE_SOURCE} is not set: ${GIVE_URL}.`;
      case 'too-long':
        return `${IMAGE_SOURCE} is longer than ${ref.max} characters.`;
      case 'unsafe-characters':
        return `${IMAGE_SOURCE} contains whitespace or control characters: percent-encode them.`;
      case 'not-a-url':
        return `${IMAGE_SOURCE} ${show(text)} is not a URL: ${GIVE_URL}.`;
      case 'unsupported-scheme':
        return `${IMAGE_SOURCE} scheme ${ref.scheme} is not supported: use http://, https:// or file://.`;
      case 'no-host':
        return `${IMAGE_SOURCE} ${show(text)} has no host.`;
    }
  }
  if (ref.kind === 'file') {
    if (ref.host) return `${IMAGE_SOURCE} names host ${ref.host} in a file:// URL: only local files (file:///path) are allowed.`;
    if (hasDotSegment(ref.rawPath))
      return `${IMAGE_SOURCE} ${show(raw as string)} contains a . or .. segment: name the file inside the image directory (IRONFLOW_IMAGE_DIR) directly.`;
    return undefined;
  }
  const why = literalAddressRefusal(ref, allowed);
  if (why) return `${IMAGE_SOURCE} host ${why}: ${allowAdvice(ref.host)}, or serve the image from an allowed address.`;
  return undefined;
}

/** Words of a boot file fault, for the field it came from (the API and the worker say the same). */
export function bootFileFaultText(field: string, raw: unknown, f: BootFileFault): string {
  const fix = `give a file:// URL or an absolute path of a file in the image directory (IRONFLOW_IMAGE_DIR) or beside the default deploy ramdisk (IRONFLOW_DEPLOY_KERNEL/IRONFLOW_DEPLOY_RAMDISK)`;
  const text = raw as string;
  switch (f.fault) {
    case 'empty':
      return `${field} must be a non-empty string: ${fix}.`;
    case 'too-long':
      return `${field} is longer than ${f.max} characters.`;
    case 'control-characters':
      return `${field} contains control characters: ${fix}.`;
    case 'not-a-url':
      return `${field} ${show(text)} is not a URL: ${fix}.`;
    case 'unsupported-scheme':
      return `${field} ${show(text)}: ${f.scheme}// boot files are not supported: ${fix}.`;
    case 'remote-file':
      return `${field} names host ${f.host}: only local files (file:///path) are allowed.`;
    case 'not-absolute':
      return `${field} ${show(text)} is not an absolute path: ${fix}.`;
    case 'dot-segment':
      return `${field} ${show(text)} contains a . or .. segment: ${fix}.`;
  }
}

/** Why a boot file reference cannot be used, or undefined. */
export function bootFileProblem(field: string, raw: unknown): string | undefined {
  const ref = readBootFile(raw);
  return isBootFileFault(ref) ? bootFileFaultText(field, raw, ref) : undefined;
}

/** Whether a deploy boot file reference is meant as an http(s) URL (what metal3 and devstack-style setups send). */
export function isHttpBootFile(raw: unknown): raw is string {
  return typeof raw === 'string' && /^https?:/i.test(raw);
}

/**
 * Why driver_info.deploy_kernel/deploy_ramdisk cannot be used, or undefined:
 * an http(s) URL with a host (the worker fetches it into its image cache, under
 * the image networks' rules) or a local file as bootFileProblem reads it.
 */
export function deployBootFileProblem(field: string, raw: unknown): string | undefined {
  if (!isHttpBootFile(raw)) {
    const local = readBootFile(raw);
    if (isBootFileFault(local) && local.fault === 'unsupported-scheme')
      return `${field} ${show(raw as string)}: ${local.scheme}// boot files are not supported: give an http:// or https:// URL, a file:// URL or an absolute path.`;
    return bootFileProblem(field, raw);
  }
  const ref = readImageUrl(raw, { maxLength: MAX_REF_LENGTH });
  if (!isImageUrlFault(ref)) return undefined;
  const fix = 'give an http:// or https:// URL with a host, a file:// URL or an absolute path';
  switch (ref.fault) {
    case 'too-long':
      return `${field} is longer than ${ref.max} characters.`;
    case 'unsafe-characters':
      return `${field} contains whitespace or control characters: percent-encode them.`;
    default:
      return `${field} ${show(raw)} is not a usable URL: ${fix}.`;
  }
}
