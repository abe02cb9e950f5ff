// A tiny Ironic v1 HTTP client for the benchmarks: Node's fetch (undici, which
// keeps connections alive by default) with Ironic's microversion header.

export const IRONIC_API_VERSION = '1.78';

export interface Reply {
  status: number;
  bytes: number;
  body: unknown;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly text: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status}: ${text.slice(0, 300)}`);
    this.name = 'HttpError';
  }
}

/** Sends one request and reads the whole body; non-2xx is an HttpError. */
export async function call(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      'X-OpenStack-Ironic-API-Version': IRONIC_API_VERSION,
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status < 200 || res.status > 299) throw new HttpError(res.status, text, `${method} ${path}`);
  return { status: res.status, bytes: Buffer.byteLength(text), body: text ? JSON.parse(text) : undefined };
}
