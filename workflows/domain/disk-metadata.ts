// What a metadata erase zeroes on a disk: the byte windows where a previous tenant's
// partition tables, RAID/LVM labels and config drive live. The ramdisk's `erase
// metadata` (ramdisk/init, `metadata_windows`) zeroes the same windows; keep the two equal.
//
//   [0, 1 MiB)                          MBR, primary GPT, most superblocks
//   [size - 66 MiB, size)               backup GPT, and the config drive Ironflow writes at the end
//                                       (≤ 64 MiB, on a 1 MiB boundary, before the backup GPT)
//   [2 TiB - 66 MiB, 2 TiB)             disks over 2 TiB: an MBR image's config drive ends at 2 TiB
import { CONFIG_DRIVE_MAX_BYTES } from './config-drive';

const MiB = 1024 * 1024;
const TWO_TIB = 2 * 1024 * 1024 * MiB;
export const METADATA_HEAD_BYTES = MiB;
/** The config drive's cap, one MiB of alignment and one for the backup GPT. */
export const METADATA_TAIL_BYTES = CONFIG_DRIVE_MAX_BYTES + 2 * MiB;

export interface ByteWindow {
  offset: number;
  size: number;
}

/** Disjoint, ascending windows covering the metadata of a disk of `capacity` bytes (a multiple of 512). */
export function metadataWindows(capacity: number): ByteWindow[] {
  const head = Math.min(METADATA_HEAD_BYTES, capacity);
  const wanted: Array<[number, number]> = [
    [0, head],
    [capacity - METADATA_TAIL_BYTES, capacity],
  ];
  if (capacity > TWO_TIB) wanted.push([TWO_TIB - METADATA_TAIL_BYTES, TWO_TIB]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of wanted.map(([s, e]): [number, number] => [Math.max(0, s), Math.min(capacity, e)]).sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else if (e > s) merged.push([s, e]);
  }
  return merged.map(([s, e]) => ({ offset: s, size: e - s }));
}
