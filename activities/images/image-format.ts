// Tells what an image file is from its content, never its name: a qcow2
// header (magic "QFI\xfb", version 2 or 3) or else raw. A qcow2 is checked with
// qemu-img before we trust it; corrupt, truncated, encrypted or backed
// (backing file / external data file) images are refused.
import fs from 'node:fs/promises';
import { CorruptImageError, UnsupportedImageError } from './errors';
import { check, info, type DiskFormat } from './qemu-img';

export const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

export interface ImageFormatInfo {
  format: DiskFormat;
  /** Size of the disk the image describes, in bytes. */
  virtualSize: number;
  qcow2Version?: number;
}

/** Reads the header only. Throws CorruptImageError for a qcow2 magic with a header that cannot be right. */
export async function detectFormat(file: string): Promise<{ format: DiskFormat; qcow2Version?: number }> {
  const fh = await fs.open(file, 'r');
  try {
    const st = await fh.stat();
    const head = Buffer.alloc(104);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < 4 || !head.subarray(0, 4).equals(QCOW2_MAGIC)) return { format: 'raw' };
    if (bytesRead < 72) throw new CorruptImageError(file, `qcow2 header is truncated (${bytesRead} bytes)`);
    const version = head.readUInt32BE(4);
    if (version !== 2 && version !== 3) throw new CorruptImageError(file, `qcow2 version ${version} is not 2 or 3`);
    const clusterBits = head.readUInt32BE(20);
    if (clusterBits < 9 || clusterBits > 21) throw new CorruptImageError(file, `qcow2 cluster_bits ${clusterBits} is out of range`);
    const size = head.readBigUInt64BE(24);
    if (size === 0n) throw new CorruptImageError(file, 'qcow2 virtual size is 0');
    const l1Offset = head.readBigUInt64BE(40);
    if (l1Offset >= BigInt(st.size)) throw new CorruptImageError(file, 'qcow2 L1 table lies beyond the end of the file (truncated?)');
    if (version === 3) {
      if (bytesRead < 104) throw new CorruptImageError(file, 'qcow2 v3 header is truncated');
      const headerLength = head.readUInt32BE(100);
      if (headerLength < 104 || headerLength > st.size) throw new CorruptImageError(file, `qcow2 header length ${headerLength} is invalid`);
    }
    return { format: 'qcow2', qcow2Version: version };
  } finally {
    await fh.close();
  }
}

/** Detects the format and validates the image; returns its virtual size. */
export async function inspectImage(file: string, opts: { signal?: AbortSignal } = {}): Promise<ImageFormatInfo> {
  const detected = await detectFormat(file);
  if (detected.format === 'raw') {
    const st = await fs.stat(file);
    if (st.size === 0) throw new CorruptImageError(file, 'the image is empty');
    return { format: 'raw', virtualSize: st.size };
  }
  const c = await check(file, { format: 'qcow2', signal: opts.signal });
  if (!c.ok) {
    const why = c.error ?? `qemu-img check found ${c.corruptions} corruption(s) and ${c.checkErrors} check error(s) (truncated download?)`;
    throw new CorruptImageError(file, why);
  }
  const i = await info(file, { format: 'qcow2', signal: opts.signal }).catch((e: unknown) => {
    throw new CorruptImageError(file, `qemu-img info failed: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (i.corrupt) throw new CorruptImageError(file, 'qcow2 is marked corrupt');
  if (i.backingFile)
    throw new UnsupportedImageError(file, `qcow2 has a backing file (${i.backingFile}); flatten it with qemu-img convert first`);
  if (i.dataFile) throw new UnsupportedImageError(file, 'qcow2 uses an external data file; flatten it with qemu-img convert first');
  if (i.encrypted) throw new UnsupportedImageError(file, 'qcow2 is encrypted');
  if (!(i.virtualSize > 0)) throw new CorruptImageError(file, 'qemu-img reports no virtual size');
  return { format: 'qcow2', virtualSize: i.virtualSize, qcow2Version: detected.qcow2Version };
}
