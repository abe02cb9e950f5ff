// Zeroes a LUN's metadata windows (workflows/domain/disk-metadata.ts): partition tables
// (the primary GPT at the start, its backup at the end), RAID superblocks, LVM labels and
// a previous tenant's config drive. An image write covers only the start of the disk, so
// what a previous tenant left at the end survives it. The zeroes come from qemu's null-co driver; nothing is read back
// (the windows are tiny; verify-image covers the image itself).
import { convertOntoLun } from './convert-onto-lun';
import { withLunSession, type IscsiLun } from './lun';
import { readLunCapacity } from './lun-capacity';
import { metadataWindows } from '#workflows/domain/disk-metadata';

/** Returns the byte windows it zeroed. */
export async function eraseLunMetadata(lun: IscsiLun, opts: { signal?: AbortSignal } = {}): Promise<{ offset: number; size: number }[]> {
  const capacity = await readLunCapacity(lun, opts);
  const windows = metadataWindows(capacity);
  return withLunSession(lun, async (s) => {
    for (const w of windows) {
      await convertOntoLun(lun, s, `driver=null-co,size=${w.size},read-zeroes=on`, w, {
        signal: opts.signal,
        timeoutMs: 60_000,
        errorOffset: w.offset,
      });
    }
    return windows;
  });
}
