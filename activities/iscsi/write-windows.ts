// Writes a few byte windows onto an iSCSI LUN: the config drive's partition-table sectors and its
// partition (activities/configdrive plans them). The bytes go into one private temp file (dir 0700,
// file 0600: a drive's user_data may hold secrets) and each window is one `qemu-img convert` from its
// slice of the file to its offset on the LUN, with the writeback cache (its flush at close commits the
// LUN's cache). Rewriting a window writes the same bytes, so a retry simply writes them all again.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertOntoLun } from './convert-onto-lun';
import { rawFileOpts, withLunSession, type IscsiLun } from './lun';

const SECTOR = 512;

export interface LunWindow {
  offset: number;
  bytes: Uint8Array;
}

export interface WriteWindowsOptions {
  /** The LUN's size in bytes: every window must end within it. */
  lunBytes: number;
  signal?: AbortSignal;
  /** Called after each window with the bytes written so far. */
  onProgress?: (bytesWritten: number) => void;
  /** Parent of the private temp dir (default: the OS temp dir). */
  tmpDir?: string;
}

/** Throws a plain Error naming the first window that is not sector-aligned or does not fit the LUN. */
export function checkWindows(windows: readonly LunWindow[], lunBytes: number): void {
  for (const w of windows) {
    if (!Number.isSafeInteger(w.offset) || w.offset < 0 || w.offset % SECTOR !== 0 || w.bytes.length === 0 || w.bytes.length % SECTOR !== 0)
      throw new Error(`window at byte ${w.offset} (${w.bytes.length} bytes) is not a whole number of ${SECTOR}-byte sectors`);
    if (w.offset + w.bytes.length > lunBytes)
      throw new Error(`window at byte ${w.offset} (${w.bytes.length} bytes) ends beyond the LUN's ${lunBytes} bytes`);
  }
}

/** Writes every window; returns the bytes written. */
export async function writeLunWindows(lun: IscsiLun, windows: readonly LunWindow[], opts: WriteWindowsOptions): Promise<number> {
  checkWindows(windows, opts.lunBytes);
  const dir = await fs.mkdtemp(path.join(opts.tmpDir ?? os.tmpdir(), 'ironflow-windows-'));
  try {
    await fs.chmod(dir, 0o700);
    const file = path.join(dir, 'windows.raw');
    const fh = await fs.open(file, 'wx', 0o600);
    const slices: { fileOffset: number; offset: number; size: number }[] = [];
    try {
      let at = 0;
      for (const w of windows) {
        await fh.write(w.bytes, 0, w.bytes.length, at);
        slices.push({ fileOffset: at, offset: w.offset, size: w.bytes.length });
        at += w.bytes.length;
      }
    } finally {
      await fh.close();
    }
    return await withLunSession(
      lun,
      async (s) => {
        let written = 0;
        for (const w of slices) {
          await convertOntoLun(lun, s, rawFileOpts(file, { offset: w.fileOffset, size: w.size }), w, {
            signal: opts.signal,
            timeoutMs: 60_000 + Math.ceil(w.size / (1024 * 1024)) * 1000,
            errorOffset: written,
          });
          written += w.size;
          opts.onProgress?.(written);
        }
        return written;
      },
      opts.tmpDir,
    );
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
