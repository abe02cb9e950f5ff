// The benchmark's image: N MiB of pseudo-random bytes (incompressible, every
// cluster allocated) as raw, converted once to qcow2. Both are kept in
// <repo>/.cache/bench/ (git-ignored) with the qcow2's sha256, and reused.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { repoRoot } from '#apps/shared/repo-root';

const MiB = 1024 * 1024;

export interface BenchImage {
  rawPath: string;
  qcow2Path: string;
  sizeBytes: number;
  qcow2Bytes: number;
  qcow2Sha256: string;
  /** false: found in the cache folder from an earlier run. */
  generated: boolean;
}

export function benchCacheDir(): string {
  return path.join(repoRoot(), '.cache', 'bench');
}

function writeRandom(file: string, bytes: number): void {
  const block = Buffer.alloc(4 * MiB);
  const fd = fs.openSync(file, 'w');
  try {
    for (let off = 0; off < bytes; off += block.length) {
      const len = Math.min(block.length, bytes - off);
      crypto.randomFillSync(block, 0, len);
      fs.writeSync(fd, block, 0, len, off);
    }
  } finally {
    fs.closeSync(fd);
  }
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * MiB })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Returns the cached image of sizeMiB, generating it first if any part is missing. */
export async function benchImage(sizeMiB: number, dir = benchCacheDir()): Promise<BenchImage> {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `deploy-${sizeMiB}mib`);
  const rawPath = `${base}.raw`;
  const qcow2Path = `${base}.qcow2`;
  const sumPath = `${qcow2Path}.sha256`;
  const sizeBytes = sizeMiB * MiB;
  const complete = [rawPath, qcow2Path, sumPath].every((f) => fs.existsSync(f)) && fs.statSync(rawPath).size === sizeBytes;
  if (!complete) {
    // Temp names + rename: an interrupted run leaves nothing that looks complete.
    for (const f of [rawPath, qcow2Path, sumPath]) fs.rmSync(f, { force: true });
    writeRandom(`${rawPath}.tmp`, sizeBytes);
    fs.renameSync(`${rawPath}.tmp`, rawPath);
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', rawPath, `${qcow2Path}.tmp`],
      timeoutMs: 30 * 60_000,
    });
    fs.renameSync(`${qcow2Path}.tmp`, qcow2Path);
    fs.writeFileSync(sumPath, `${await sha256File(qcow2Path)}\n`);
  }
  return {
    rawPath,
    qcow2Path,
    sizeBytes,
    qcow2Bytes: fs.statSync(qcow2Path).size,
    qcow2Sha256: fs.readFileSync(sumPath, 'utf8').trim(),
    generated: !complete,
  };
}
