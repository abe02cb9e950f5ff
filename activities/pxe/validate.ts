// Validators for every value that ends up in a boot file. Boot files are
// parsed by pxelinux, iPXE and the kernel command line, none of which can
// quote safely, so values are restricted to characters that mean nothing
// special to any of them: no whitespace, quotes, backslashes, `$`, backticks,
// braces, angle brackets, pipes or control characters.

export class InvalidBootParameterError extends Error {
  readonly type = 'InvalidBootParameter';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBootParameterError';
  }
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;
/** URL-ish characters that none of pxelinux, iPXE or the kernel treats specially. */
const SAFE = /^[A-Za-z0-9._~:/?[\]@!&()*+,;=%-]+$/;
const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : String(v);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

/** Lower-cased xx:xx:xx:xx:xx:xx, or throws. */
export function normalizeMac(mac: string): string {
  if (typeof mac !== 'string' || !MAC.test(mac)) {
    throw new InvalidBootParameterError(`invalid MAC address ${show(mac)}: expected xx:xx:xx:xx:xx:xx (hex digits)`);
  }
  return mac.toLowerCase();
}

export function safeValue(name: string, v: string, max = 1024): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidBootParameterError(`${name} is empty`);
  if (v.length > max) throw new InvalidBootParameterError(`${name} is longer than ${max} characters`);
  if (!SAFE.test(v)) {
    throw new InvalidBootParameterError(
      `${name} ${show(v)} contains characters not allowed in a boot file (whitespace, quotes, \\, $, \`, {}, <>, | or control characters)`,
    );
  }
  return v;
}

export function tokenValue(name: string, v: string, min: number, max: number): string {
  if (typeof v !== 'string' || !TOKEN.test(v) || v.length < min || v.length > max) {
    throw new InvalidBootParameterError(`${name} must be ${min}-${max} characters of A-Z a-z 0-9 . _ ~ + / = -`);
  }
  return v;
}

export function httpUrl(name: string, v: string): string {
  safeValue(name, v, 2048);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidBootParameterError(`${name} ${show(v)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidBootParameterError(`${name} must be an http(s) URL`);
  return v;
}

export function identifier(name: string, v: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(v)) {
    throw new InvalidBootParameterError(`${name} ${show(v)} must be 1-128 characters of A-Z a-z 0-9 . _ - (not starting with . _ -)`);
  }
  return v;
}

export function port(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 65535) throw new InvalidBootParameterError(`${name} ${show(v)} must be 1-65535`);
  return v;
}

/** A path relative to the TFTP/HTTP root: plain segments, no `..`, no leading slash. */
export function bootPath(name: string, v: string): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(v) || v.split('/').some((s) => s === '.' || s === '..')) {
    throw new InvalidBootParameterError(`${name} ${show(v)} must be a relative path of A-Z a-z 0-9 . _ - segments without ..`);
  }
  return v;
}

export function iqn(name: string, v: string): string {
  if (typeof v !== 'string' || !/^iqn\.\d{4}-\d{2}\.[a-z0-9.-]+(:[A-Za-z0-9.:_-]+)?$/.test(v) || v.length > 223) {
    throw new InvalidBootParameterError(`${name} ${show(v)} must be an IQN like iqn.2026-11.org.example:node-1`);
  }
  return v;
}

/** root= values for netboot: UUID=, PARTUUID=, LABEL= or a /dev path. */
export function rootDevice(v: string): string {
  if (
    typeof v !== 'string' ||
    !/^(UUID=[0-9A-Fa-f-]{8,36}|PARTUUID=[0-9A-Fa-f-]{8,36}|LABEL=[A-Za-z0-9._-]{1,64}|\/dev\/[A-Za-z0-9._/-]{1,64})$/.test(v) ||
    v.includes('..')
  ) {
    throw new InvalidBootParameterError(`root device ${show(v)} must be UUID=…, PARTUUID=…, LABEL=… or /dev/…`);
  }
  return v;
}
