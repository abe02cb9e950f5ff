// Streams an image from its source into a new local file, hashing it on the
// way. The destination is created exclusively; the caller owns renaming it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ImageDownloadError } from './errors';
import { redactUrl, resolveInside, type ChecksumAlgo, type ImageSource } from './image-source';

export interface FetchResult {
  bytes: number;
  hex: string;
}

export interface FetchOptions {
  algo: ChecksumAlgo;
  /** Required for file sources: the path is re-resolved inside it right before opening. */
  imageDir?: string;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Give up when the server sends nothing for this long (default 60 s). */
  idleTimeoutMs?: number;
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

function get(url: string, signal: AbortSignal | undefined, idleTimeoutMs: number, redirects = 0): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { signal, headers: { 'user-agent': 'ironflow-image-cache' } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects >= MAX_REDIRECTS) {
          reject(new ImageDownloadError(`too many redirects fetching ${redactUrl(url)}`, false));
          return;
        }
        const next = new URL(res.headers.location, url).toString();
        if (!/^https?:/.test(next)) {
          reject(new ImageDownloadError(`${redactUrl(url)} redirects to a non-http URL`, false));
          return;
        }
        get(next, signal, idleTimeoutMs, redirects + 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        const retryable = status >= 500 || status === 408 || status === 429;
        reject(
          new ImageDownloadError(
            `GET ${redactUrl(url)} answered HTTP ${status}${retryable ? '' : ': check the image URL'}`,
            retryable,
          ),
        );
        return;
      }
      resolve(res);
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(e);
      else if (TLS_CERT_ERRORS.has(e.code ?? '')) {
        reject(new ImageDownloadError(`GET ${redactUrl(url)} failed: the server's TLS certificate is not trusted (${e.code}): fix the certificate or the URL`, false));
      } else reject(new ImageDownloadError(`GET ${redactUrl(url)} failed: ${e.message}`, true));
    });
  });
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
      if (opts.onProgress && (bytes - lastReport >= 4 * 1024 * 1024)) {
        lastReport = bytes;
        opts.onProgress(bytes);
      }
      cb(null, chunk);
    },
  });
  let expected: number | undefined;
  let input: NodeJS.ReadableStream;
  if (source.kind === 'file') {
    if (!opts.imageDir) throw new ImageDownloadError('file:// sources need the image directory', false);
    const real = await resolveInside(opts.imageDir, source.path);
    const fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    input = fs.createReadStream('', { fd });
  } else {
    const res = await get(source.url, opts.signal, opts.idleTimeoutMs ?? 60_000);
    const len = res.headers['content-length'];
    expected = len !== undefined ? Number(len) : undefined;
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
  return { bytes, hex: hash.digest('hex') };
}
