// Writes a raw image file onto an iSCSI LUN from user space (qemu-img with
// libiscsi; there is no kernel initiator). The image goes over in chunks, each
// one `qemu-img convert` between matching windows of the file and the LUN.
// Progress is the end of the contiguous prefix of finished chunks, so a retry
// resumes there instead of starting over. Two chunks are in flight at once so
// that one's process start-up and iSCSI login overlap the other's transfer.
// An image whose size is not a whole number of sectors is padded with zeros
// up to the next sector.
//
// Durability: chunks go with qemu's `unsafe` cache mode (a SYNCHRONIZE CACHE
// per chunk would cost ~40% throughput) and one flush ends the write. A chunk
// reported as written survives a crash of the target *process* (its data is in
// the target host's page cache); only a power loss of the target host before
// the final flush loses it, and that restarts the deploy anyway.
import fs from 'node:fs/promises';
import { runCommand } from '../shared/command-runner';
import { ImageTooLargeError, WriteAbortedError, IscsiConnectionError } from './errors';
import { describeLun, rawFileOpts, withLunSession, type IscsiLun } from './lun';
import { readLunCapacity } from './lun-capacity';
import { watchPortal } from './portal-watch';
import { classifyQemuIscsiFailure } from './qemu-errors';

export const DEFAULT_CHUNK_BYTES = 128 * 1024 * 1024;
const SECTOR = 512;

export interface WriteImageInput extends IscsiLun {
  /** A raw image (never qcow2: convert it first). */
  rawPath: string;
  /** Byte offset to resume from (the last bytesWritten reported); rounded down to a sector. */
  resumeFrom?: number;
  /** Called as the written prefix grows, with its end (bytes of the image now on the LUN). */
  onProgress?: (bytesWritten: number) => void;
  signal?: AbortSignal;
  /** Bytes per qemu-img run (a multiple of 512). */
  chunkBytes?: number;
  /** Kill a chunk that takes longer than this (default: 60 s + 1 s per MiB). */
  chunkTimeoutMs?: number;
  /** qemu-img runs in flight at once (default 2), so one's start-up overlaps another's tail. */
  parallel?: number;
  /** How often to probe the portal while writing (default 1000 ms). */
  portalProbeMs?: number;
  /** Where the short-lived CHAP secret file goes (default: the OS temp dir). */
  tmpDir?: string;
}

export interface WriteImageResult {
  imageBytes: number;
  lunBytes: number;
  bytesWritten: number;
  resumedFrom: number;
  chunks: number;
  durationMs: number;
}

async function assertRawFile(rawPath: string): Promise<number> {
  const st = await fs.stat(rawPath);
  if (!st.isFile()) throw new Error(`${rawPath} is not a regular file`);
  const fh = await fs.open(rawPath, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    if (head.equals(Buffer.from([0x51, 0x46, 0x49, 0xfb]))) {
      throw new Error(`${rawPath} is a qcow2 image: convert it to raw before writing it to a LUN`);
    }
  } finally {
    await fh.close();
  }
  return st.size;
}

export async function writeImage(input: WriteImageInput): Promise<WriteImageResult> {
  const started = Date.now();
  const target = describeLun(input);
  const chunkBytes = input.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < SECTOR || chunkBytes % SECTOR !== 0) {
    throw new Error(`chunkBytes must be a positive multiple of ${SECTOR}, got ${chunkBytes}`);
  }
  const imageBytes = await assertRawFile(input.rawPath);
  if (input.signal?.aborted) throw new WriteAbortedError(input.resumeFrom ?? 0);
  const lunBytes = await readLunCapacity(input, { signal: input.signal }).catch((e: unknown) => {
    if (input.signal?.aborted) throw new WriteAbortedError(input.resumeFrom ?? 0);
    throw e;
  });
  const paddedBytes = Math.ceil(imageBytes / SECTOR) * SECTOR;
  if (paddedBytes > lunBytes) throw new ImageTooLargeError(imageBytes, lunBytes, target);

  const requested = Math.max(0, Math.min(input.resumeFrom ?? 0, imageBytes));
  const resumedFrom = requested - (requested % SECTOR);
  const parallel = Math.max(1, Math.floor(input.parallel ?? 2));

  // Plan the windows. All go with the `unsafe` cache mode; afterwards the last
  // sector is rewritten with `writeback`, whose flush at close commits the LUN's
  // cache. Progress never reaches the last window before that flush succeeded,
  // so a retry after a failed flush rewrites the last window and flushes again.
  const plan: Array<{ offset: number; size: number }> = [];
  for (let off = resumedFrom; off < imageBytes; off += chunkBytes)
    plan.push({ offset: off, size: Math.min(chunkBytes, paddedBytes - off) });

  let pos = resumedFrom; // end of the contiguous prefix known to be on the LUN
  let chunks = 0;
  const done = new Set<number>();
  let prefix = 0; // plan[prefix] is the first window not yet known to be written
  const advance = (i: number) => {
    done.add(i);
    chunks++;
    const before = pos;
    while (done.has(prefix) && prefix < plan.length - 1) {
      pos = plan[prefix].offset + plan[prefix].size;
      done.delete(prefix);
      prefix++;
    }
    if (pos !== before) input.onProgress?.(pos);
  };

  const watch = watchPortal(input.portal, { intervalMs: input.portalProbeMs });
  const stopSiblings = new AbortController();
  try {
    await withLunSession(
      input,
      async (session) => {
        const runChunk = async (w: { offset: number; size: number }, cache: 'unsafe' | 'writeback') => {
          // The file side of a final partial sector is opened without a size (qemu reads zeros past EOF).
          const fileOpts = w.offset + w.size > imageBytes ? rawFileOpts(input.rawPath, undefined, w.offset) : rawFileOpts(input.rawPath, w);
          await runCommand({
            file: 'qemu-img',
            args: [
              'convert',
              '-n',
              '-t',
              cache,
              '-m',
              '16',
              '-W',
              ...session.objectArgs,
              '--image-opts',
              fileOpts,
              '--target-image-opts',
              session.rawOpts(w),
            ],
            signal: AbortSignal.any([watch.signal, stopSiblings.signal, ...(input.signal ? [input.signal] : [])]),
            timeoutMs: input.chunkTimeoutMs ?? 60_000 + Math.ceil(w.size / (1024 * 1024)) * 1000,
          });
        };
        let next = 0;
        let failure: unknown;
        const worker = async () => {
          while (next < plan.length && failure === undefined) {
            if (input.signal?.aborted) {
              failure = input.signal.reason ?? new Error('aborted');
              stopSiblings.abort();
              return;
            }
            const i = next++;
            try {
              await runChunk(plan[i], 'unsafe');
            } catch (e) {
              if (failure === undefined) failure = e;
              stopSiblings.abort();
              return;
            }
            advance(i);
          }
        };
        await Promise.all(Array.from({ length: Math.min(parallel, plan.length) }, worker));
        if (failure === undefined && plan.length > 0) {
          if (input.signal?.aborted) throw new WriteAbortedError(pos);
          try {
            await runChunk({ offset: paddedBytes - SECTOR, size: SECTOR }, 'writeback');
            pos = imageBytes;
            input.onProgress?.(pos);
          } catch (e) {
            failure = e;
          }
        }
        if (failure !== undefined) {
          if (input.signal?.aborted) throw new WriteAbortedError(pos);
          const why = watch.reason();
          if (why) throw new IscsiConnectionError(target, pos, why);
          throw classifyQemuIscsiFailure(failure, target, pos);
        }
      },
      input.tmpDir,
    );
  } finally {
    watch.stop();
  }
  return { imageBytes, lunBytes, bytesWritten: pos, resumedFrom, chunks, durationMs: Date.now() - started };
}
