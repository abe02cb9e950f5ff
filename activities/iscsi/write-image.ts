// Writes a raw image file onto an iSCSI LUN from user space (qemu-img with
// libiscsi; there is no kernel initiator). The image goes over in chunks, each
// one `qemu-img convert` between matching windows of the file and the LUN, so
// progress is reported after every chunk and a retry resumes at the last
// chunk boundary instead of starting over. An image whose size is not a
// whole number of sectors is padded with zeros up to the next sector.
//
// Durability: chunks go with qemu's `unsafe` cache mode (no SYNCHRONIZE CACHE
// per chunk, which would cost ~40% throughput); the final chunk uses
// `writeback`, whose flush at close commits the whole LUN's cache. A chunk
// reported as written survives a crash of the target *process* (its data is in
// the target host's page cache); only a power loss of the target host before
// the final flush loses it, and that restarts the deploy anyway.
import fs from 'node:fs/promises';
import { runCommand } from '../shared/command-runner';
import { ImageTooLargeError, WriteAbortedError, IscsiConnectionError, type IscsiError } from './errors';
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
  /** Called after each chunk with the total bytes of the image now on the LUN. */
  onProgress?: (bytesWritten: number) => void;
  signal?: AbortSignal;
  /** Bytes per qemu-img run (a multiple of 512). */
  chunkBytes?: number;
  /** Kill a chunk that takes longer than this (default: 60 s + 1 s per MiB). */
  chunkTimeoutMs?: number;
  /** How often to probe the portal while a chunk runs (default 1000 ms). */
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
  let pos = resumedFrom;
  let chunks = 0;
  await withLunSession(
    input,
    async (session) => {
      while (pos < imageBytes) {
        if (input.signal?.aborted) throw new WriteAbortedError(pos);
        const size = Math.min(chunkBytes, paddedBytes - pos);
        const window = { offset: pos, size };
        // The file side of a final partial sector is opened without a size (qemu reads zeros past EOF).
        const fileWindow = pos + size > imageBytes ? undefined : window;
        const watch = watchPortal(input.portal, { intervalMs: input.portalProbeMs });
        const signals = [watch.signal, ...(input.signal ? [input.signal] : [])];
        try {
          await runCommand({
            file: 'qemu-img',
            args: [
              'convert', '-n', '-t', pos + size >= imageBytes ? 'writeback' : 'unsafe', '-m', '16', '-W',
              ...session.objectArgs,
              '--image-opts', fileWindow ? rawFileOpts(input.rawPath, fileWindow) : rawFileOpts(input.rawPath, undefined, pos),
              '--target-image-opts', session.rawOpts(window),
            ],
            signal: AbortSignal.any(signals),
            timeoutMs: input.chunkTimeoutMs ?? 60_000 + Math.ceil(size / (1024 * 1024)) * 1000,
          });
        } catch (e) {
          if (input.signal?.aborted) throw new WriteAbortedError(pos);
          const why = watch.reason();
          if (why) throw new IscsiConnectionError(target, pos, why);
          const err: IscsiError = classifyQemuIscsiFailure(e, target, pos);
          throw err;
        } finally {
          watch.stop();
        }
        pos = Math.min(pos + size, imageBytes);
        chunks++;
        input.onProgress?.(pos);
      }
    },
    input.tmpDir,
  );
  return { imageBytes, lunBytes, bytesWritten: pos, resumedFrom, chunks, durationMs: Date.now() - started };
}
