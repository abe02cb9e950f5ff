// Applies planned disk writes to a disk file (a raw image already the disk's size): what tests and the
// virtual lab use; a real deploy sends the same writes over iSCSI or to the ramdisk. The file must already
// be as large as the disk: a write past its end means the plan was made for another disk, and is refused.
import fs from 'node:fs/promises';
import type { DiskWrite } from './partition-table';

export async function applyWritesToFile(file: string, writes: readonly DiskWrite[]): Promise<void> {
  const fh = await fs.open(file, 'r+');
  try {
    const { size } = await fh.stat();
    for (const w of writes) {
      if (w.offset + w.bytes.length > size)
        throw new Error(
          `write at byte ${w.offset} (${w.bytes.length} bytes) runs past the end of ${file} (${size} bytes): the plan was made for a bigger disk.`,
        );
    }
    for (const w of writes) {
      let done = 0;
      while (done < w.bytes.length) {
        const { bytesWritten } = await fh.write(w.bytes, done, w.bytes.length - done, w.offset + done);
        done += bytesWritten;
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}
