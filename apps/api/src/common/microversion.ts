// X-OpenStack-Ironic-API-Version negotiation, as Ironic does it: a missing header
// means the minimum, `latest` the maximum; anything outside [min, max] is 406.
// The standard `OpenStack-API-Version: baremetal 1.x` (Ironic since Dalmatian)
// wins over the legacy header when it names baremetal; answers carry both.
import type { NextFunction, Request, Response } from 'express';
import { NotAcceptableError } from './errors';

export const MIN_VERSION = { major: 1, minor: 1 };
export const MAX_VERSION = { major: 1, minor: 95 };
export const VERSION_HEADER = 'X-OpenStack-Ironic-API-Version';
export const STANDARD_VERSION_HEADER = 'OpenStack-API-Version';
const SERVICE_TYPE = 'baremetal';
const RANGE = `[${MIN_VERSION.major}.${MIN_VERSION.minor}, ${MAX_VERSION.major}.${MAX_VERSION.minor}]`;

export function formatVersion(minor: number): string {
  return `1.${minor}`;
}

/**
 * The version asked for and the header it came from: `OpenStack-API-Version`'s
 * baremetal entry (entries are comma-separated `<service type> <version>`), else
 * the legacy header.
 */
export function requestedVersion(standard: string | undefined, legacy: string | undefined): { value?: string; header: string } {
  for (const entry of (standard ?? '').split(',')) {
    const [service, ...rest] = entry.trim().split(/\s+/);
    if (service?.toLowerCase() === SERVICE_TYPE) return { value: rest.join(' '), header: STANDARD_VERSION_HEADER };
  }
  return { value: legacy, header: VERSION_HEADER };
}

/** Parses the header; returns the minor version (major is always 1). */
export function negotiate(header: string | undefined, headerName: string = VERSION_HEADER): number {
  if (header === undefined || header.trim() === '') return MIN_VERSION.minor;
  const h = header.trim();
  if (h.toLowerCase() === 'latest') return MAX_VERSION.minor;
  const m = /^(\d+)\.(\d+)$/.exec(h);
  if (!m)
    throw new NotAcceptableError(
      `Invalid value for ${headerName} header: ${JSON.stringify(h)}. Use MAJOR.MINOR, e.g. 1.95, or latest. The supported version range is: ${RANGE}.`,
    );
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 1) {
    throw new NotAcceptableError(
      `Mutually exclusive versions requested. Version ${h} requested but not supported by this service. The supported version range is: ${RANGE}.`,
    );
  }
  if (minor < MIN_VERSION.minor || minor > MAX_VERSION.minor) {
    throw new NotAcceptableError(
      `Version ${h} was requested but the minor version is not supported by this service. The supported version range is: ${RANGE}.`,
    );
  }
  return minor;
}

declare module 'express-serve-static-core' {
  interface Request {
    apiMinor?: number;
  }
}

/** Express middleware for /v1: sets the min/max headers on every response (errors too). */
export function microversionMiddleware(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('X-OpenStack-Ironic-API-Minimum-Version', formatVersion(MIN_VERSION.minor));
  res.setHeader('X-OpenStack-Ironic-API-Maximum-Version', formatVersion(MAX_VERSION.minor));
  try {
    const asked = requestedVersion(req.header(STANDARD_VERSION_HEADER), req.header(VERSION_HEADER));
    req.apiMinor = negotiate(asked.value, asked.header);
    res.setHeader(VERSION_HEADER, formatVersion(req.apiMinor));
    res.setHeader(STANDARD_VERSION_HEADER, `${SERVICE_TYPE} ${formatVersion(req.apiMinor)}`);
    next();
  } catch (e) {
    next(e);
  }
}

export function requireVersion(req: Request, minor: number, what: string): void {
  if ((req.apiMinor ?? MIN_VERSION.minor) < minor) {
    throw new NotAcceptableError(
      `${what} requires API version 1.${minor} or later; send ${VERSION_HEADER}: 1.${minor} (or latest). This request was made at ${formatVersion(req.apiMinor ?? MIN_VERSION.minor)}; the supported version range is: ${RANGE}.`,
    );
  }
}

/** The request's negotiated minor version (1.1 when the middleware did not run). */
export function apiMinorOf(req: Request): number {
  return req.apiMinor ?? MIN_VERSION.minor;
}
