// Shared bits for the iSCSI tests: random image files and file hashing.
import crypto from 'node:crypto';
import fs from 'node:fs';

/** Writes `bytes` of pseudo-random data (fast: one random MiB repeated with a counter). */
export function writeRandomFile(file: string, bytes: number): void {
  const block = crypto.randomBytes(1024 * 1024);
  const fd = fs.openSync(file, 'w');
  try {
    let off = 0;
    let n = 0;
    while (off < bytes) {
      const len = Math.min(block.length, bytes - off);
      block.writeUInt32LE(n++, 0);
      fs.writeSync(fd, block, 0, len, off);
      off += len;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function sha256OfRange(file: string, start: number, length: number): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    let off = start;
    const end = start + length;
    while (off < end) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - off), off);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

export function sha256OfFile(file: string): string {
  return sha256OfRange(file, 0, fs.statSync(file).size);
}

/** All command lines of running processes, for "the secret is not in argv" checks. */
export function allCommandLines(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '));
    } catch {
      /* process gone */
    }
  }
  return out;
}
