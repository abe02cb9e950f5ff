// A content-addressed image cache on local disk, shared by every process that
// points at the same root. Each image is keyed by its verified checksum and
// stored once, as raw; it is downloaded and converted once however many
// callers ask for it at the same time (single-flight in the process, a lock
// file across processes). Nothing becomes visible until it is complete: work
// happens in tmp/ and lands in objects/ by one rename.
//
//   root/objects/<key>/disk.raw   the raw image (read-only by convention)
//   root/objects/<key>/meta.json  what it is; its mtime = last use (LRU)
//   root/locks/<key>.lock         cross-process lock (see cache-lock.ts)
//   root/pins/<key>/<holder>      pins: never evicted while any exists
//   root/links/<holder>/<key>.raw hard links for per-node use
//   root/tmp/                     downloads and conversions in progress
//   root/urls/<sha256 of URL>     boot files fetched by URL (ensureFile): {key, etag,
//                                 lastModified}; objects/<key>/disk.raw then holds
//                                 the file as it came, not a disk image
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { acquireLock, tryLock, type HeldLock } from './cache-lock';
import { fetchToFile } from './download';
import { ImageChecksumMismatchError, ImageDownloadError, InvalidImageSourceError } from './errors';
import { inspectImage } from './image-format';
import { formatChecksum, parseChecksum, parseImageSource, redactUrl, type Checksum, type ImageSource } from './image-source';
import { convertToRaw, type DiskFormat } from './qemu-img';
import { DEFAULT_IMAGE_ALLOWED_NETWORKS, parseCidrList, type Cidr } from '#workflows/domain/image-networks';

export interface ImageCacheOptions {
  root: string;
  /** The only directory file:// sources may point into (file:// is refused without it). */
  imageDir?: string;
  /** Non-public networks http(s) images may come from (default loopback only; see image-networks.ts). */
  allowedNetworks?: readonly Cidr[];
  /** Evict least-recently-used unpinned images once the cache holds more than this (bytes on disk). */
  maxBytes?: number;
  /** A lock not refreshed for this long is considered abandoned (default 30 s). */
  lockStaleMs?: number;
  /** The largest boot file (ensureFile) fetched (default 2 GiB). */
  maxFileBytes?: number;
}

/** A file fetched by URL as it is (a deploy kernel or ramdisk): no checksum given, no conversion. */
export interface EnsureFileResult {
  /** sha256-<hex> of its content. */
  key: string;
  /** The cached file. Read-only; copy it where it is needed. */
  path: string;
  sizeBytes: number;
  /** This call downloaded it (false: the URL was fetched before). */
  downloaded: boolean;
}

export type EnsurePhase = 'download' | 'convert';

export interface EnsureOptions {
  /** Bytes downloaded (phase 'download') or bytes of raw image written (phase 'convert'). */
  onProgress?: (bytes: number, phase: EnsurePhase) => void;
  signal?: AbortSignal;
  /** Pin the image for this holder before returning, so no eviction can race the caller. */
  pinFor?: string;
}

export interface EnsureResult {
  key: string;
  /** The cached raw image. Treat it as read-only; use linkFor() for per-node copies. */
  rawPath: string;
  /** Virtual (disk) size in bytes: the size of the raw image. */
  sizeBytes: number;
  /** The format the image arrived in. */
  format: DiskFormat;
  /** This call downloaded the image. */
  downloaded: boolean;
  /** This call converted it from qcow2. */
  converted: boolean;
}

export interface ImageCacheStats {
  downloads: number;
  conversions: number;
  hits: number;
  evictions: number;
}

interface Meta {
  key: string;
  format: DiskFormat;
  sizeBytes: number;
  source: string;
  checksum: string;
  cachedAt: string;
  /** 'file': a boot file fetched by URL, kept as it came. */
  kind?: 'image' | 'file';
}

interface Flight {
  promise: Promise<EnsureResult>;
  waiters: number;
  abort: AbortController;
  listeners: Set<(bytes: number, phase: EnsurePhase) => void>;
}

const KEY = /^(md5|sha256|sha512)-[0-9a-f]{32,128}$/;
const HOLDER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// Shared by every ImageCache in this process, keyed by root + image key.
const flights = new Map<string, Flight>();
// Boot file fetches in progress in this process, keyed by root + URL digest.
const fileFlights = new Map<string, Promise<EnsureFileResult>>();

export function cacheKey(c: Checksum): string {
  return `${c.algo}-${c.hex}`;
}

function assertKey(key: string): void {
  if (!KEY.test(key)) throw new InvalidImageSourceError(`invalid image cache key ${JSON.stringify(key)}`);
}

function assertHolder(holder: string): void {
  if (!HOLDER.test(holder)) {
    throw new InvalidImageSourceError(`invalid cache holder id ${JSON.stringify(holder)}: use letters, digits, . _ - (max 128)`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

export class ImageCache {
  private readonly root: string;
  private readonly counters: ImageCacheStats = { downloads: 0, conversions: 0, hits: 0, evictions: 0 };
  private swept = false;

  constructor(private readonly opts: ImageCacheOptions) {
    this.root = path.resolve(opts.root);
    this.allowed = opts.allowedNetworks ?? parseCidrList(DEFAULT_IMAGE_ALLOWED_NETWORKS);
  }

  private readonly allowed: readonly Cidr[];

  /** What this instance has done since it was created. */
  stats(): ImageCacheStats {
    return { ...this.counters };
  }

  private dir(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  /**
   * Returns the cached raw image for source + checksum, fetching, verifying
   * and converting it first if needed. `checksum` is `<algo>:<hex>`, a bare md5,
   * or a parsed Checksum.
   */
  async ensure(sourceText: string, checksum: string | Checksum, opts: EnsureOptions = {}): Promise<EnsureResult> {
    const source = await parseImageSource(sourceText, { imageDir: this.opts.imageDir, allowedNetworks: this.allowed });
    const sum = typeof checksum === 'string' ? parseChecksum(checksum) : parseChecksum(formatChecksum(checksum));
    const key = cacheKey(sum);
    if (opts.pinFor !== undefined) assertHolder(opts.pinFor);
    opts.signal?.throwIfAborted();
    await this.init();

    const flightId = `${this.root}\0${key}`;
    let flight = flights.get(flightId);
    let leader = false;
    // A flight whose every caller gave up is winding down: start a fresh one.
    if (!flight || flight.abort.signal.aborted) {
      leader = true;
      const ac = new AbortController();
      const f: Flight = { waiters: 0, abort: ac, listeners: new Set(), promise: Promise.resolve(undefined as never) };
      f.promise = this.produce(key, source, sum, ac.signal, (b, p) => f.listeners.forEach((l) => l(b, p))).finally(() => {
        if (flights.get(flightId) === f) flights.delete(flightId);
      });
      flights.set(flightId, f);
      flight = f;
    }
    const result = await this.join(flight, opts);
    if (opts.pinFor !== undefined) {
      // Pin, then make sure no eviction slipped in between producing and pinning.
      await this.pin(key, opts.pinFor);
      if (!(await this.lookup(key))) return this.ensure(sourceText, checksum, opts);
    }
    return leader ? result : { ...result, downloaded: false, converted: false };
  }

  /**
   * Returns the cached copy of the file an http(s) URL serves, fetching it
   * the first time (under the same network rules as images, at most
   * maxFileBytes). When the server gave an ETag or Last-Modified, each later
   * use asks again with a conditional GET (as Ironic re-checks its cached
   * deploy images): 304 keeps the copy, 200 replaces it, and a transient
   * failure (network, 5xx) uses the copy. Without validators the URL is taken
   * to name fixed content and is not fetched again while cached. Concurrent
   * calls for one URL fetch it once; identical content is stored once.
   */
  async ensureFile(url: string, opts: { signal?: AbortSignal } = {}): Promise<EnsureFileResult> {
    if (!/^https?:/i.test(url)) throw new InvalidImageSourceError(`${redactUrl(url)} is not an http(s) URL`);
    const source = await parseImageSource(url, { allowedNetworks: this.allowed });
    if (source.kind !== 'http') throw new InvalidImageSourceError(`${redactUrl(url)} is not an http(s) URL`);
    opts.signal?.throwIfAborted();
    await this.init();
    await fs.mkdir(this.dir('urls'), { recursive: true });
    const urlKey = crypto.createHash('sha256').update(source.url).digest('hex');
    const flightId = `${this.root}\0${urlKey}`;
    let flight = fileFlights.get(flightId);
    if (!flight) {
      flight = this.produceFile(urlKey, source, opts.signal).finally(() => fileFlights.delete(flightId));
      fileFlights.set(flightId, flight);
      return flight;
    }
    return { ...(await flight), downloaded: false };
  }

  /** The cached file a URL was last fetched into, with the validators its server gave. */
  private async fileHit(urlKey: string): Promise<{ hit: EnsureFileResult; etag?: string; lastModified?: string } | undefined> {
    let idx: { key?: unknown; etag?: unknown; lastModified?: unknown };
    try {
      idx = JSON.parse(await fs.readFile(this.dir('urls', urlKey), 'utf8')) as typeof idx;
    } catch {
      return undefined;
    }
    if (typeof idx.key !== 'string' || !KEY.test(idx.key)) return undefined;
    const found = await this.lookup(idx.key);
    if (!found) return undefined;
    return {
      hit: { key: idx.key, path: found.rawPath, sizeBytes: found.sizeBytes, downloaded: false },
      etag: typeof idx.etag === 'string' ? idx.etag : undefined,
      lastModified: typeof idx.lastModified === 'string' ? idx.lastModified : undefined,
    };
  }

  private async produceFile(urlKey: string, source: ImageSource & { kind: 'http' }, signal?: AbortSignal): Promise<EnsureFileResult> {
    const first = await this.fileHit(urlKey);
    if (first && !first.etag && !first.lastModified) {
      this.counters.hits++;
      return first.hit;
    }
    const lock = await acquireLock(this.dir('locks', `url-${urlKey}.lock`), { signal, staleMs: this.opts.lockStaleMs });
    const part = this.dir('tmp', `url-${urlKey}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.part`);
    try {
      const cached = await this.fileHit(urlKey);
      if (cached && !cached.etag && !cached.lastModified) {
        this.counters.hits++;
        return cached.hit;
      }
      let got: Awaited<ReturnType<typeof fetchToFile>>;
      try {
        got = await fetchToFile(source, part, {
          algo: 'sha256',
          allowedNetworks: this.allowed,
          signal,
          maxBytes: this.opts.maxFileBytes ?? 2 * 1024 ** 3,
          ifNoneMatch: cached?.etag,
          ifModifiedSince: cached?.etag ? undefined : cached?.lastModified,
        });
      } catch (e) {
        // The server is away for now: the copy we have is what it served last.
        if (cached && e instanceof ImageDownloadError && e.retryable && !signal?.aborted) {
          this.counters.hits++;
          return cached.hit;
        }
        throw e;
      }
      if (got.notModified && cached) {
        this.counters.hits++;
        return cached.hit;
      }
      this.counters.downloads++;
      const key = `sha256-${got.hex}`;
      const objLock = await acquireLock(this.dir('locks', `${key}.lock`), { signal, staleMs: this.opts.lockStaleMs });
      try {
        if (!(await this.lookup(key))) {
          const staging = this.dir('tmp', `${key}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.d`);
          try {
            await fs.mkdir(staging);
            const file = path.join(staging, 'disk.raw');
            await fs.rename(part, file);
            await fs.chmod(file, 0o444);
            const meta: Meta = {
              key,
              kind: 'file',
              format: 'raw',
              sizeBytes: got.bytes,
              source: redactUrl(source.url),
              checksum: `sha256:${got.hex}`,
              cachedAt: new Date().toISOString(),
            };
            await fs.writeFile(path.join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
            await syncFile(file);
            await syncFile(path.join(staging, 'meta.json'));
            await fs.rm(this.dir('objects', key), { recursive: true, force: true });
            await fs.rename(staging, this.dir('objects', key));
          } finally {
            await fs.rm(staging, { recursive: true, force: true });
          }
        }
      } finally {
        await objLock.release();
      }
      const index = this.dir('tmp', `url-${urlKey}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.idx`);
      await fs.writeFile(index, JSON.stringify({ key, etag: got.etag, lastModified: got.lastModified }));
      await fs.rename(index, this.dir('urls', urlKey));
      await this.evict(key).catch(() => undefined);
      return { key, path: this.dir('objects', key, 'disk.raw'), sizeBytes: got.bytes, downloaded: true };
    } finally {
      await fs.rm(part, { force: true });
      await lock.release();
    }
  }

  private join(f: Flight, opts: EnsureOptions): Promise<EnsureResult> {
    f.waiters++;
    if (opts.onProgress) f.listeners.add(opts.onProgress);
    return new Promise<EnsureResult>((resolve, reject) => {
      let done = false;
      const finish = () => {
        if (done) return false;
        done = true;
        f.waiters--;
        if (opts.onProgress) f.listeners.delete(opts.onProgress);
        opts.signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = () => {
        if (!finish()) return;
        // The work stops only when nobody wants it any more.
        if (f.waiters === 0) f.abort.abort(abortError(opts.signal!));
        reject(abortError(opts.signal!));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      f.promise.then(
        (r) => finish() && resolve(r),
        (e: unknown) => finish() && reject(e),
      );
    });
  }

  /** Reads a committed object, or undefined. Touches it as used. */
  private async lookup(key: string): Promise<EnsureResult | undefined> {
    const metaPath = this.dir('objects', key, 'meta.json');
    let meta: Meta;
    try {
      meta = JSON.parse(await fs.readFile(metaPath, 'utf8')) as Meta;
      await fs.access(this.dir('objects', key, 'disk.raw'));
    } catch {
      return undefined;
    }
    const now = new Date();
    await fs.utimes(metaPath, now, now).catch(() => undefined);
    return {
      key,
      rawPath: this.dir('objects', key, 'disk.raw'),
      sizeBytes: meta.sizeBytes,
      format: meta.format,
      downloaded: false,
      converted: false,
    };
  }

  private async produce(
    key: string,
    source: ImageSource,
    sum: Checksum,
    signal: AbortSignal,
    progress: (bytes: number, phase: EnsurePhase) => void,
  ): Promise<EnsureResult> {
    const hit = await this.lookup(key);
    if (hit) {
      this.counters.hits++;
      return hit;
    }
    const lock = await acquireLock(this.dir('locks', `${key}.lock`), { signal, staleMs: this.opts.lockStaleMs });
    try {
      const again = await this.lookup(key);
      if (again) {
        this.counters.hits++;
        return again;
      }
      const result = await this.fill(key, source, sum, signal, progress);
      await this.evict(key).catch(() => undefined);
      return result;
    } finally {
      await lock.release();
    }
  }

  /** Downloads, verifies, converts and commits one image. Called with its lock held. */
  private async fill(
    key: string,
    source: ImageSource,
    sum: Checksum,
    signal: AbortSignal,
    progress: (bytes: number, phase: EnsurePhase) => void,
  ): Promise<EnsureResult> {
    const stem = `${key}.${process.pid}.${crypto.randomBytes(6).toString('hex')}`;
    const part = this.dir('tmp', `${stem}.part`);
    const staging = this.dir('tmp', `${stem}.d`);
    try {
      const got = await fetchToFile(source, part, {
        algo: sum.algo,
        imageDir: this.opts.imageDir,
        allowedNetworks: this.allowed,
        signal,
        onProgress: (b) => progress(b, 'download'),
      });
      this.counters.downloads++;
      const what = source.kind === 'file' ? source.path : redactUrl(source.url);
      if (got.hex !== sum.hex) {
        throw new ImageChecksumMismatchError(what, formatChecksum(sum), `${sum.algo}:${got.hex}`);
      }
      const fmt = await inspectImage(part, { signal });
      await fs.mkdir(staging);
      const raw = path.join(staging, 'disk.raw');
      let converted = false;
      if (fmt.format === 'qcow2') {
        await convertToRaw(part, raw, { srcFormat: 'qcow2', signal, onProgress: (b) => progress(b, 'convert') });
        await fs.unlink(part);
        this.counters.conversions++;
        converted = true;
      } else {
        await fs.rename(part, raw);
      }
      const st = await fs.stat(raw);
      if (st.size !== fmt.virtualSize) {
        throw new Error(`converted image is ${st.size} bytes, expected the virtual size ${fmt.virtualSize}`);
      }
      await fs.chmod(raw, 0o444);
      const meta: Meta = {
        key,
        format: fmt.format,
        sizeBytes: fmt.virtualSize,
        source: what,
        checksum: formatChecksum(sum),
        cachedAt: new Date().toISOString(),
      };
      await fs.writeFile(path.join(staging, 'meta.json'), JSON.stringify(meta, null, 2));
      await syncFile(raw);
      await syncFile(path.join(staging, 'meta.json'));
      // A damaged leftover (no meta.json, so never a hit) must not block the commit.
      const leftover = this.dir('objects', key);
      if (await fs.stat(leftover).catch(() => undefined)) {
        const trash = this.dir('tmp', `evict.${process.pid}.${crypto.randomBytes(6).toString('hex')}`);
        await fs.rename(leftover, trash);
        await fs.rm(trash, { recursive: true, force: true });
      }
      await fs.rename(staging, leftover);
      return {
        key,
        rawPath: this.dir('objects', key, 'disk.raw'),
        sizeBytes: fmt.virtualSize,
        format: fmt.format,
        downloaded: true,
        converted,
      };
    } finally {
      await fs.rm(part, { force: true });
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  private async init(): Promise<void> {
    for (const d of ['objects', 'locks', 'pins', 'links', 'tmp']) await fs.mkdir(this.dir(d), { recursive: true });
    if (!this.swept) {
      this.swept = true;
      await this.sweep();
    }
  }

  /** Removes leftovers of processes that died mid-download or mid-conversion. */
  async sweep(): Promise<number> {
    let removed = 0;
    let names: string[];
    try {
      names = await fs.readdir(this.dir('tmp'));
    } catch {
      return 0;
    }
    for (const name of names) {
      const m = /^[a-z0-9]+-[0-9a-f]+\.(\d+)\./.exec(name) ?? /^evict\.(\d+)\./.exec(name);
      if (!m || pidAlive(Number(m[1]))) continue;
      await fs.rm(this.dir('tmp', name), { recursive: true, force: true });
      removed++;
    }
    return removed;
  }

  /** Pins an image for a holder (persisted; survives restarts). Idempotent. */
  async pin(key: string, holder: string): Promise<void> {
    assertKey(key);
    assertHolder(holder);
    await fs.mkdir(this.dir('pins', key), { recursive: true });
    await fs.writeFile(this.dir('pins', key, holder), `${new Date().toISOString()}\n`);
  }

  /** Removes a holder's pin. Missing is fine. */
  async unpin(key: string, holder: string): Promise<void> {
    assertKey(key);
    assertHolder(holder);
    await fs.rm(this.dir('pins', key, holder), { force: true });
    await fs.rmdir(this.dir('pins', key)).catch(() => undefined);
  }

  /** Holders that pin key. */
  async pins(key: string): Promise<string[]> {
    assertKey(key);
    return fs.readdir(this.dir('pins', key)).catch(() => []);
  }

  /**
   * A hard link to the cached image for one holder (a node), at
   * links/<holder>/<key>.raw. It shares the master's blocks and stays valid
   * even if the master is evicted. Idempotent.
   */
  async linkFor(key: string, holder: string): Promise<string> {
    assertKey(key);
    assertHolder(holder);
    const master = this.dir('objects', key, 'disk.raw');
    const mst = await fs.stat(master).catch(() => undefined);
    if (!mst) throw new InvalidImageSourceError(`image ${key} is not in the cache: call ensure() first`);
    await fs.mkdir(this.dir('links', holder), { recursive: true });
    const link = this.dir('links', holder, `${key}.raw`);
    const lst = await fs.stat(link).catch(() => undefined);
    if (lst && lst.ino === mst.ino && lst.dev === mst.dev) return link;
    const tmp = `${link}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    await fs.link(master, tmp);
    await fs.rename(tmp, link);
    return link;
  }

  /** Removes a holder's hard link. Missing is fine. */
  async unlinkFor(key: string, holder: string): Promise<void> {
    assertKey(key);
    assertHolder(holder);
    await fs.rm(this.dir('links', holder, `${key}.raw`), { force: true });
    await fs.rmdir(this.dir('links', holder)).catch(() => undefined);
  }

  /** Keys currently cached, least recently used first, with their bytes on disk. */
  async list(): Promise<Array<{ key: string; bytesOnDisk: number; lastUsed: Date; pinned: boolean }>> {
    const keys = await fs.readdir(this.dir('objects')).catch(() => [] as string[]);
    const out: Array<{ key: string; bytesOnDisk: number; lastUsed: Date; pinned: boolean }> = [];
    for (const key of keys) {
      if (!KEY.test(key)) continue;
      try {
        const meta = await fs.stat(this.dir('objects', key, 'meta.json'));
        const raw = await fs.stat(this.dir('objects', key, 'disk.raw'));
        out.push({ key, bytesOnDisk: raw.blocks * 512, lastUsed: meta.mtime, pinned: (await this.pins(key)).length > 0 });
      } catch {
        /* being evicted */
      }
    }
    return out.sort((a, b) => a.lastUsed.getTime() - b.lastUsed.getTime());
  }

  /**
   * Evicts least-recently-used, unpinned, unlocked images until the cache fits
   * maxBytes. Never evicts `keep`. Returns the evicted keys.
   */
  async evict(keep?: string): Promise<string[]> {
    const max = this.opts.maxBytes;
    if (max === undefined) return [];
    const entries = await this.list();
    let total = entries.reduce((s, e) => s + e.bytesOnDisk, 0);
    const evicted: string[] = [];
    for (const e of entries) {
      if (total <= max) break;
      if (e.key === keep || e.pinned) continue;
      let lock: HeldLock | undefined;
      try {
        lock = await tryLock(this.dir('locks', `${e.key}.lock`), { staleMs: this.opts.lockStaleMs });
        if (!lock) continue;
        if ((await this.pins(e.key)).length > 0) continue;
        const trash = this.dir('tmp', `evict.${process.pid}.${crypto.randomBytes(6).toString('hex')}`);
        await fs.rename(this.dir('objects', e.key), trash);
        await fs.rm(trash, { recursive: true, force: true });
        total -= e.bytesOnDisk;
        evicted.push(e.key);
        this.counters.evictions++;
      } finally {
        await lock?.release();
      }
    }
    return evicted;
  }
}

async function syncFile(file: string): Promise<void> {
  const fh = await fs.open(file, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
