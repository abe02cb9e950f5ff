// qemu-img for local image files: info, check, convert to raw. The format is
// always passed explicitly (never probed), and runs over untrusted images are
// limited in memory and CPU time with prlimit.
import fs from 'node:fs/promises';
import { CommandFailedError, runCommand } from '../shared/command-runner';

export type DiskFormat = 'raw' | 'qcow2';

export interface QemuImgInfo {
  format: string;
  virtualSize: number;
  actualSize?: number;
  backingFile?: string;
  dataFile?: string;
  encrypted: boolean;
  /** qcow2's "corrupt" flag. */
  corrupt: boolean;
}

export interface QemuImgCheck {
  /** No corruptions and no check errors (leaked clusters are harmless). */
  ok: boolean;
  corruptions: number;
  leaks: number;
  checkErrors: number;
  /** Why qemu-img could not check at all (bad header and the like). */
  error?: string;
}

const LIMITS = ['--as=2147483648', '--cpu=120'];

function limited(args: string[], signal?: AbortSignal, timeoutMs = 120_000) {
  return runCommand({ file: 'prlimit', args: [...LIMITS, '--', 'qemu-img', ...args], signal, timeoutMs });
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter(Boolean);
  return (lines[lines.length - 1] ?? '').replace(/^qemu-img: /, '');
}

export async function info(file: string, opts: { format: DiskFormat; signal?: AbortSignal }): Promise<QemuImgInfo> {
  const r = await limited(['info', '-f', opts.format, '--output=json', file], opts.signal);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  const specific = (j['format-specific'] as { data?: Record<string, unknown> } | undefined)?.data ?? {};
  return {
    format: String(j.format),
    virtualSize: Number(j['virtual-size']),
    actualSize: typeof j['actual-size'] === 'number' ? j['actual-size'] : undefined,
    backingFile: typeof j['backing-filename'] === 'string' ? j['backing-filename'] : undefined,
    dataFile: typeof specific['data-file'] === 'string' ? specific['data-file'] : undefined,
    encrypted: j.encrypted === true || specific.encrypt !== undefined,
    corrupt: specific.corrupt === true,
  };
}

/** `qemu-img check`; never throws for what it finds, only for failing to run at all. */
export async function check(file: string, opts: { format: 'qcow2'; signal?: AbortSignal }): Promise<QemuImgCheck> {
  let stdout: string;
  try {
    stdout = (await limited(['check', '-f', opts.format, '--output=json', file], opts.signal)).stdout;
  } catch (e) {
    if (!(e instanceof CommandFailedError) || e.code === null || opts.signal?.aborted) throw e;
    // 1: could not check (e.g. bad header), 2: corruptions, 3: leaks only.
    if (e.code === 1 || !e.stdout.trim()) {
      return { ok: false, corruptions: 0, leaks: 0, checkErrors: 1, error: lastLine(e.stderr) || e.message };
    }
    stdout = e.stdout;
  }
  const j = JSON.parse(stdout) as Record<string, unknown>;
  const corruptions = Number(j.corruptions ?? 0);
  const leaks = Number(j.leaks ?? 0);
  const checkErrors = Number(j['check-errors'] ?? 0);
  return { ok: corruptions === 0 && checkErrors === 0, corruptions, leaks, checkErrors };
}

/** Virtual (guest-visible) size in bytes. */
export async function virtualSize(file: string, format: DiskFormat, signal?: AbortSignal): Promise<number> {
  return (await info(file, { format, signal })).virtualSize;
}

/**
 * Converts src to a raw file at dst (created or overwritten, sparse).
 * onProgress gets the bytes allocated in dst so far, polled twice a second.
 */
export async function convertToRaw(
  src: string,
  dst: string,
  opts: { srcFormat: DiskFormat; onProgress?: (bytes: number) => void; signal?: AbortSignal },
): Promise<void> {
  const poll = opts.onProgress
    ? setInterval(() => {
        fs.stat(dst)
          .then((st) => opts.onProgress?.(st.blocks * 512))
          .catch(() => undefined);
      }, 500)
    : undefined;
  try {
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', opts.srcFormat, '-O', 'raw', '-W', src, dst],
      signal: opts.signal,
    });
  } finally {
    if (poll) clearInterval(poll);
  }
  if (opts.onProgress) opts.onProgress((await fs.stat(dst)).blocks * 512);
}
