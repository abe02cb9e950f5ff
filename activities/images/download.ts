// Streams an image from its source into a new local file, hashing it on the
// way. The destination is created exclusively; the caller owns renaming it.
//
// http(s) sources are user input, so every hop is checked before it is
// connected to: the host name is resolved, every address it resolves to must
// be allowed (image-networks.ts), and the connection goes to the address that
// was checked (the socket's lookup is pinned to it), so a DNS answer that
// changes between check and connect (rebinding) cannot redirect it. Redirects
// go through the same check.
import crypto from 'node:crypto';
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  allowAdvice,
  DEFAULT_IMAGE_ALLOWED_NETWORKS,
  imageAddressRefusal,
  parseCidrList,
  parseIp,
  type Cidr,
} from '#workflows/domain/image-networks';
import { isImageUrlFault, readImageUrl, urlHost } from '#workflows/domain/image-refs';
import { ImageDownloadError, ImageSourceRefusedError } from './errors';
import { redactUrl, resolveInside, type ChecksumAlgo, type ImageSource } from './image-source';

export interface FetchResult {
  bytes: number;
  hex: string;
  /** The server's validators for a later conditional GET (http sources). */
  etag?: string;
  lastModified?: string;
  /** A conditional GET answered 304: nothing was written (bytes 0, hex ''). */
  notModified?: true;
}

export interface FetchOptions {
  algo: ChecksumAlgo;
  /** Required for file sources: the path is re-resolved inside it right before opening. */
  imageDir?: string;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Give up when the server sends nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
  /** Non-public networks images may come from (default: loopback only). */
  allowedNetworks?: readonly Cidr[];
  /** Resolves a host name to all its addresses (default: the system resolver). Tests inject one. */
  resolve?: Resolver;
  /** Refuse a source longer than this many bytes (announced or sent). */
  maxBytes?: number;
  /** Make it a conditional GET (http sources): a 304 answer returns notModified and writes nothing. */
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });
const DEFAULT_ALLOWED = parseCidrList(DEFAULT_IMAGE_ALLOWED_NETWORKS);

/**
 * Resolves the URL's host and checks every address; returns the one to connect
 * to. A literal address is checked as it is. Throws ImageSourceRefusedError.
 */
export async function checkedAddress(
  url: string,
  allowed: readonly Cidr[],
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = urlHost(new URL(url));
  const literal = parseIp(host);
  let addrs: { address: string; family: number }[];
  if (literal) addrs = [{ address: host, family: literal.version }];
  else {
    try {
      addrs = await resolve(host);
    } catch (e) {
      throw new ImageDownloadError(
        `GET ${redactUrl(url)} failed: host ${host} could not be resolved (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        true,
      );
    }
    if (addrs.length === 0) throw new ImageDownloadError(`GET ${redactUrl(url)} failed: host ${host} has no address`, true);
  }
  for (const a of addrs) {
    const why = imageAddressRefusal(a.address, allowed);
    if (why) {
      const via = literal ? '' : ` (${host} resolves to ${addrs.map((x) => x.address).join(', ')})`;
      throw new ImageSourceRefusedError(`image URL ${redactUrl(url)} refused: ${why}${via}; ${allowAdvice(a.address)}`);
    }
  }
  return { address: addrs[0].address, family: addrs[0].family === 6 ? 6 : 4 };
}

/** A socket lookup that always answers the address we checked (both callback shapes Node uses). */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_host: string, opts: dns.LookupOptions, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as LookupFunction;
}

interface GetOptions {
  signal?: AbortSignal;
  idleTimeoutMs: number;
  allowed: readonly Cidr[];
  resolve?: Resolver;
  /** Extra request headers (the conditional ones); a 304 is then an answer, not an error. */
  headers?: Record<string, string>;
}

const MAX_REDIRECTS = 5;
/** Certificate problems a retry cannot fix. */
const TLS_CERT_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

async function get(url: string, o: GetOptions, redirects = 0): Promise<http.IncomingMessage> {
  const { signal, idleTimeoutMs } = o;
  const pin = await checkedAddress(url, o.allowed, o.resolve);
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    // The Host header and TLS server name stay the URL's host; only the address is pinned.
    const req = mod.get(
      url,
      { signal, lookup: pinnedLookup(pin.address, pin.family), headers: { ...o.headers, 'user-agent': 'ironflow-image-cache' } },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          if (redirects >= MAX_REDIRECTS) {
            reject(new ImageDownloadError(`too many redirects fetching ${redactUrl(url)}`, false));
            return;
          }
          const next = new URL(res.headers.location, url).toString();
          const ref = readImageUrl(next);
          if (isImageUrlFault(ref) || ref.kind !== 'http') {
            reject(new ImageDownloadError(`${redactUrl(url)} redirects to a non-http URL`, false));
            return;
          }
          // The next hop is checked like the first (get re-resolves and re-pins).
          get(next, o, redirects + 1).then(resolve, reject);
          return;
        }
        if (status === 304 && o.headers) {
          res.resume();
          resolve(res);
          return;
        }
        if (status !== 200) {
          res.resume();
          const retryable = status >= 500 || status === 408 || status === 429;
          reject(
            new ImageDownloadError(`GET ${redactUrl(url)} answered HTTP ${status}${retryable ? '' : ': check the image URL'}`, retryable),
          );
          return;
        }
        resolve(res);
      },
    );
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(e);
      else if (TLS_CERT_ERRORS.has(e.code ?? '')) {
        reject(
          new ImageDownloadError(
            `GET ${redactUrl(url)} failed: the server's TLS certificate is not trusted (${e.code}): fix the certificate or the URL`,
            false,
          ),
        );
      } else reject(new ImageDownloadError(`GET ${redactUrl(url)} failed: ${e.message}`, true));
    });
  });
}

function tooLarge(source: ImageSource, max: number): ImageDownloadError {
  const what = source.kind === 'file' ? source.path : redactUrl(source.url);
  return new ImageDownloadError(`${what} is larger than the ${max} bytes allowed`, false);
}

/** Copies the source into dest (which must not exist), returning its length and digest. */
export async function fetchToFile(source: ImageSource, dest: string, opts: FetchOptions): Promise<FetchResult> {
  const hash = crypto.createHash(opts.algo);
  let bytes = 0;
  let lastReport = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) {
        cb(tooLarge(source, opts.maxBytes));
        return;
      }
      if (opts.onProgress && bytes - lastReport >= 4 * 1024 * 1024) {
        lastReport = bytes;
        opts.onProgress(bytes);
      }
      cb(null, chunk);
    },
  });
  let expected: number | undefined;
  let validators: { etag?: string; lastModified?: string } = {};
  let input: NodeJS.ReadableStream;
  if (source.kind === 'file') {
    if (!opts.imageDir) throw new ImageDownloadError('file:// sources need the image directory', false);
    const real = await resolveInside(opts.imageDir, source.path);
    const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    input = fs.createReadStream('', { fd });
  } else {
    const conditional: Record<string, string> = {};
    if (opts.ifNoneMatch) conditional['if-none-match'] = opts.ifNoneMatch;
    if (opts.ifModifiedSince) conditional['if-modified-since'] = opts.ifModifiedSince;
    const res = await get(source.url, {
      signal: opts.signal,
      idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
      allowed: opts.allowedNetworks ?? DEFAULT_ALLOWED,
      resolve: opts.resolve,
      headers: Object.keys(conditional).length ? conditional : undefined,
    });
    if (res.statusCode === 304) return { bytes: 0, hex: '', notModified: true };
    const header = (h: string | string[] | undefined) => (typeof h === 'string' && h.length <= 512 ? h : undefined);
    validators = { etag: header(res.headers.etag), lastModified: header(res.headers['last-modified']) };
    const len = res.headers['content-length'];
    expected = len !== undefined ? Number(len) : undefined;
    if (expected !== undefined && opts.maxBytes !== undefined && expected > opts.maxBytes) {
      res.destroy();
      throw tooLarge(source, opts.maxBytes);
    }
    input = res;
  }
  const out = fs.createWriteStream(dest, { flags: 'wx', mode: 0o644 });
  try {
    await pipeline(input, meter, out, { signal: opts.signal });
  } catch (e) {
    if (opts.signal?.aborted || e instanceof ImageDownloadError) throw e;
    const what = source.kind === 'file' ? source.path : redactUrl(source.url);
    throw new ImageDownloadError(`reading ${what} failed after ${bytes} bytes: ${(e as Error).message}`, true);
  }
  if (expected !== undefined && expected !== bytes) {
    throw new ImageDownloadError(`${redactUrl(source.url)} sent ${bytes} bytes but announced ${expected}`, true);
  }
  opts.onProgress?.(bytes);
  return {
    bytes,
    hex: hash.digest('hex'),
    ...(validators.etag && { etag: validators.etag }),
    ...(validators.lastModified && { lastModified: validators.lastModified }),
  };
}
