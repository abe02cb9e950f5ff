// Benchmark helper: writeImage (chunked, resumable) against one plain
// `qemu-img convert` of the same raw image to an identical tgtd LUN.
// Run: node .build/<name>/test/iscsi/write-throughput.js [sizeMiB] [chunkMiB] [rounds] [parallel]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { writeImage, DEFAULT_CHUNK_BYTES } from '#activities/iscsi/write-image';
import { startTgtd } from '../support/tgtd';
import { writeRandomFile } from './helpers';

const MiB = 1024 * 1024;

export interface ThroughputResult {
  sizeMiB: number;
  chunkMiB: number;
  rounds: number;
  /** Median of `rounds` (after one warm-up round each), MiB/s. */
  oursMiBps: number;
  plainMiBps: number;
  /** oursMiBps / plainMiBps. */
  ratio: number;
  oursBestMiBps: number;
  plainBestMiBps: number;
  oursSeconds: number[];
  plainSeconds: number[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
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
  opts: { sizeMiB?: number; chunkBytes?: number; rounds?: number; parallel?: number } = {},
): Promise<ThroughputResult> {
  const sizeMiB = opts.sizeMiB ?? 1024;
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const rounds = opts.rounds ?? 5;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bench-'));
  const tgtd = await startTgtd(dir);
  try {
    const img = path.join(dir, 'image.raw');
    writeMostlyData(img, sizeMiB * MiB);
    const a = await tgtd.addTarget({ iqn: 'iqn.2026-11.org.ironflow:bench-ours', sizeBytes: sizeMiB * MiB });
    const b = await tgtd.addTarget({ iqn: 'iqn.2026-11.org.ironflow:bench-plain', sizeBytes: sizeMiB * MiB });
    const ours: number[] = [];
    const plain: number[] = [];
    const runOurs = async () => {
      const t = Date.now();
      await writeImage({ portal: a.portal, iqn: a.iqn, lun: a.lun, rawPath: img, chunkBytes, parallel: opts.parallel });
      return (Date.now() - t) / 1000;
    };
    const runPlain = async () => {
      const t = Date.now();
      await runCommand({
        file: 'qemu-img',
        args: ['convert', '-n', '-f', 'raw', '-O', 'raw', img, `iscsi://127.0.0.1:${b.portal.port}/${b.iqn}/1`],
      });
      return (Date.now() - t) / 1000;
    };
    // Warm-up: the first write to each sparse LUN file pays for block allocation.
    await runOurs();
    await runPlain();
    for (let i = 0; i < rounds; i++) {
      // Alternate who goes first so neither always runs in the other's wake.
      if (i % 2 === 0) {
        ours.push(await runOurs());
        plain.push(await runPlain());
      } else {
        plain.push(await runPlain());
        ours.push(await runOurs());
      }
    }
    const r = (x: number) => Math.round(x);
    const oursMiBps = sizeMiB / median(ours);
    const plainMiBps = sizeMiB / median(plain);
    return {
      sizeMiB,
      chunkMiB: chunkBytes / MiB,
      rounds,
      oursMiBps: r(oursMiBps),
      plainMiBps: r(plainMiBps),
      ratio: Math.round((oursMiBps / plainMiBps) * 100) / 100,
      oursBestMiBps: r(sizeMiB / Math.min(...ours)),
      plainBestMiBps: r(sizeMiB / Math.min(...plain)),
      oursSeconds: ours,
      plainSeconds: plain,
    };
  } finally {
    await tgtd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [size, chunk, rounds, parallel] = process.argv.slice(2).map(Number);
  measureWriteThroughput({
    sizeMiB: size || undefined,
    chunkBytes: chunk ? chunk * MiB : undefined,
    rounds: rounds || undefined,
    parallel: parallel || undefined,
  })
    .then((r) => console.log(JSON.stringify(r)))
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    });
}
