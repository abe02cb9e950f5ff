// A tiny demo OS image for the lab: raw bytes with an MBR boot signature and
// a marker line `ironflow-demo-os: <text>` in the first MiB, which the lab's
// disk boot reports as `marker` in boot.json. The rest is deterministic
// pseudo-random data, so a test can tell every byte was written.
import crypto from 'node:crypto';

export function makeDemoImage(opts: { sizeBytes: number; marker: string; seed?: string }): Buffer {
  if (opts.sizeBytes < 8192 || opts.sizeBytes % 512 !== 0) throw new Error('demo image: at least 8 KiB, a multiple of 512');
  if (!/^[\x20-\x7e]{1,200}$/.test(opts.marker)) throw new Error('demo image marker: printable ASCII, up to 200 characters');
  const img = Buffer.alloc(opts.sizeBytes);
  const seed = opts.seed ?? opts.marker;
  for (let off = 0, n = 0; off < img.length; off += 32, n++) {
    crypto.createHash('sha256').update(`${seed}:${n}`).digest().copy(img, off);
  }
  img.fill(0, 0, 512);
  img[510] = 0x55;
  img[511] = 0xaa;
  const line = Buffer.from(`\nironflow-demo-os: ${opts.marker}\n`, 'ascii');
  line.copy(img, 4096);
  return img;
}
