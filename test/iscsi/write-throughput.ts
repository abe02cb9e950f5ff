// Benchmark helper: writeImage (chunked, resumable) against one plain
// `qemu-img convert` of the same raw image to an identical tgtd LUN.
// Run: node .build/<name>/test/iscsi/write-throughput.js [sizeMiB] [chunkMiB] [rounds]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../activities/shared/command-runner';
import { writeImage, DEFAULT_CHUNK_BYTES } from '../../activities/iscsi/write-image';
import { startTgtd } from '../support/tgtd';
import { writeRandomFile } from './helpers';

const MiB = 1024 * 1024;

export interface ThroughputResult {
  sizeMiB: number;
  chunkMiB: number;
  rounds: number;
  /** Best of `rounds`, MiB/s. */
  oursMiBps: number;
  plainMiBps: number;
  ratio: number;
  oursSeconds: number[];
  plainSeconds: number[];
}

/** A "mostly data" image: random bytes with every tenth MiB left as a hole of zeros. */
function writeMostlyData(file: string, bytes: number): void {
  writeRandomFile(file, bytes);
  const fd = fs.openSync(file, 'r+');
  const zeros = Buffer.alloc(MiB);
  for (let off = 9 * MiB; off < bytes; off += 10 * MiB) fs.writeSync(fd, zeros, 0, Math.min(MiB, bytes - off), off);
  fs.closeSync(fd);
}

export async function measureWriteThroughput(
  opts: { sizeMiB?: number; chunkBytes?: number; rounds?: number } = {},
): Promise<ThroughputResult> {
  const sizeMiB = opts.sizeMiB ?? 1024;
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const rounds = opts.rounds ?? 3;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bench-'));
  const tgtd = await startTgtd(dir);
  try {
    const img = path.join(dir, 'image.raw');
    writeMostlyData(img, sizeMiB * MiB);
    const a = await tgtd.addTarget({ iqn: 'iqn.2026-11.org.ironflow:bench-ours', sizeBytes: sizeMiB * MiB });
    const b = await tgtd.addTarget({ iqn: 'iqn.2026-11.org.ironflow:bench-plain', sizeBytes: sizeMiB * MiB });
    const ours: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let t = Date.now();
      await writeImage({ portal: a.portal, iqn: a.iqn, lun: a.lun, rawPath: img, chunkBytes });
      ours.push((Date.now() - t) / 1000);
      t = Date.now();
      await runCommand({
        file: 'qemu-img',
        args: ['convert', '-n', '-f', 'raw', '-O', 'raw', img, `iscsi://127.0.0.1:${b.portal.port}/${b.iqn}/1`],
      });
      plain.push((Date.now() - t) / 1000);
    }
    const oursMiBps = sizeMiB / Math.min(...ours);
    const plainMiBps = sizeMiB / Math.min(...plain);
    return {
      sizeMiB,
      chunkMiB: chunkBytes / MiB,
      rounds,
      oursMiBps: Math.round(oursMiBps),
      plainMiBps: Math.round(plainMiBps),
      ratio: Math.round((oursMiBps / plainMiBps) * 100) / 100,
      oursSeconds: ours,
      plainSeconds: plain,
    };
  } finally {
    await tgtd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [size, chunk, rounds] = process.argv.slice(2).map(Number);
  measureWriteThroughput({ sizeMiB: size || undefined, chunkBytes: chunk ? chunk * MiB : undefined, rounds: rounds || undefined })
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
