// Checks of the user values that name files or URLs a deploy will read:
// instance_info.image_source, instance_info.kernel/ramdisk and
// driver_info.deploy_kernel/deploy_ramdisk. Pure and syntactic (no DNS, no
// filesystem): the API answers 400 with them before anything starts; the
// worker then checks again what only it can see (resolved addresses, real
// paths inside its directories).
import { allowAdvice, imageAddressRefusal, IMAGE_NETWORKS_SETTING, parseIp, type Cidr } from './image-networks';

function show(v: string): string {
  return JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…` : v);
}

/** Percent-decoded path segments; `..` hidden as %2e%2e or %2f is found too. */
function hasDotSegment(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true; // malformed escapes: refuse rather than guess
  }
  return decoded.split(/[/\\]/).some((seg) => seg === '..' || seg === '.');
}

/** Why image_source cannot be used, or undefined. Literal addresses are checked against the allowed networks. */
export function imageSourceProblem(raw: unknown, allowed: readonly Cidr[]): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return 'instance_info.image_source is not set: give an http://, https:// or file:// URL.';
  if (raw.length > 4096) return 'instance_info.image_source is longer than 4096 characters.';
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return 'instance_info.image_source contains whitespace or control characters: percent-encode them.';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `instance_info.image_source ${show(raw)} is not a URL: give an http://, https:// or file:// URL.`;
  }
  if (u.protocol === 'file:') {
    if (u.hostname && u.hostname !== 'localhost') return `instance_info.image_source names host ${u.hostname} in a file:// URL: only local files (file:///path) are allowed.`;
    if (hasDotSegment(raw.slice('file://'.length))) return `instance_info.image_source ${show(raw)} contains a . or .. segment: name the file inside the image directory (IRONFLOW_IMAGE_DIR) directly.`;
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `instance_info.image_source scheme ${u.protocol} is not supported: use http://, https:// or file://.`;
  if (!u.hostname) return `instance_info.image_source ${show(raw)} has no host.`;
  // The URL parser has already turned 0x7f.1, 2130706433 and friends into dotted form.
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (parseIp(host)) {
    const why = imageAddressRefusal(host, allowed);
    if (why) return `instance_info.image_source host ${why}: ${allowAdvice(host)}, or serve the image from an allowed address.`;
  }
  return undefined;
}

/**
 * Why a boot file reference (deploy_kernel, kernel, ...) cannot be used, or
 * undefined. It must be a local file: file:///path or /path, no . or .. segments.
 * Whether it lies inside the worker's allowed directories only the worker knows.
 */
export function bootFileProblem(field: string, raw: unknown): string | undefined {
  const fix = `give a file:// URL or an absolute path of a file in the image directory (IRONFLOW_IMAGE_DIR) or beside the default deploy ramdisk (IRONFLOW_DEPLOY_KERNEL/IRONFLOW_DEPLOY_RAMDISK)`;
  if (typeof raw !== 'string' || raw === '') return `${field} must be a non-empty string: ${fix}.`;
  if (raw.length > 4096) return `${field} is longer than 4096 characters.`;
  if (/[\u0000-\u001f\u007f]/.test(raw)) return `${field} contains control characters: ${fix}.`;
  let path = raw;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return `${field} ${show(raw)} is not a URL: ${fix}.`;
    }
    if (u.protocol !== 'file:') return `${field} ${show(raw)}: ${u.protocol}// boot files are not supported: ${fix}.`;
    if (u.hostname && u.hostname !== 'localhost') return `${field} names host ${u.hostname}: only local files (file:///path) are allowed.`;
    path = raw.slice('file://'.length).replace(/^localhost/, '');
  }
  if (!path.startsWith('/')) return `${field} ${show(raw)} is not an absolute path: ${fix}.`;
  if (hasDotSegment(path)) return `${field} ${show(raw)} contains a . or .. segment: ${fix}.`;
  return undefined;
}

export { IMAGE_NETWORKS_SETTING };
