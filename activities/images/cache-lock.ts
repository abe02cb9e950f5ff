// A lock file shared by every process using the image cache: created with
// O_EXCL, holding {pid, host, token}, its mtime refreshed while held. A lock
// whose owner is dead (same host) or whose mtime is older than staleMs is
// broken, so a kill -9 never wedges the cache.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';

export interface LockOptions {
  signal?: AbortSignal;
  pollMs?: number;
  staleMs?: number;
  heartbeatMs?: number;
}

export interface HeldLock {
  release(): Promise<void>;
}

interface LockBody {
  pid: number;
  host: string;
  token: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readBody(file: string): Promise<{ body?: LockBody; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    try {
      return { body: JSON.parse(text) as LockBody, mtimeMs: st.mtimeMs };
    } catch {
      return { mtimeMs: st.mtimeMs };
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function isStale(cur: { body?: LockBody; mtimeMs: number }, staleMs: number): boolean {
  if (Date.now() - cur.mtimeMs > staleMs) return true;
  const b = cur.body;
  return !!b && b.host === os.hostname() && !pidAlive(b.pid);
}

async function breakStale(file: string, seen: LockBody | undefined): Promise<void> {
  const aside = `${file}.stale.${crypto.randomBytes(6).toString('hex')}`;
  try {
    await fs.rename(file, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await readBody(aside);
  if (seen && moved?.body && moved.body.token !== seen.token) {
    // We moved a fresh lock taken after our check: put it back if the name is still free.
    await fs.link(aside, file).catch(() => undefined);
  }
  await fs.unlink(aside).catch(() => undefined);
}

/** Tries once; undefined when someone else holds a live lock. */
export async function tryLock(file: string, opts: LockOptions = {}): Promise<HeldLock | undefined> {
  const staleMs = opts.staleMs ?? 30_000;
  const token = crypto.randomBytes(12).toString('hex');
  for (let attempt = 0; attempt < 3; attempt++) {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(file, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const cur = await readBody(file);
      if (cur && isStale(cur, staleMs)) {
        await breakStale(file, cur.body);
        continue;
      }
      if (!cur) continue;
      return undefined;
    }
    const body: LockBody = { pid: process.pid, host: os.hostname(), token };
    await fh.writeFile(JSON.stringify(body));
    await fh.close();
    const beat = setInterval(
      () => {
        const now = new Date();
        void fs.utimes(file, now, now).catch(() => undefined);
      },
      opts.heartbeatMs ?? Math.max(1000, Math.floor(staleMs / 4)),
    );
    beat.unref();
    return {
      async release() {
        clearInterval(beat);
        const cur = await readBody(file);
        if (cur?.body?.token === token) await fs.unlink(file).catch(() => undefined);
      },
    };
  }
  return undefined;
}

/** Waits until the lock is ours. */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<HeldLock> {
  for (;;) {
    opts.signal?.throwIfAborted();
    const held = await tryLock(file, opts);
    if (held) return held;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}
