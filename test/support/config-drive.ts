// Config drives for API tests: a minimal ISO 9660 image (a primary volume descriptor is all the
// API's check reads), gzipped and base64-encoded as clients send it.
import zlib from 'node:zlib';

/** A minimal ISO 9660 image labelled `label`: system area, primary volume descriptor, terminator, `blocks` blocks in all. */
export function syntheticIso(label = 'config-2', blocks = 20): Buffer {
  const b = Buffer.alloc(blocks * 2048);
  const pvd = 16 * 2048;
  b[pvd] = 1;
  b.write('CD001', pvd + 1, 'ascii');
  b[pvd + 6] = 1;
  b.write(label.padEnd(32, ' '), pvd + 40, 'ascii');
  b.writeUInt32LE(blocks, pvd + 80);
  b.writeUInt32BE(blocks, pvd + 84);
  b.writeUInt16LE(2048, pvd + 128);
  b.writeUInt16BE(2048, pvd + 130);
  b[pvd + 2048] = 255;
  b.write('CD001', pvd + 2049, 'ascii');
  return b;
}

/** What a client sends as `configdrive`: base64 of the gzipped bytes. */
export function configDriveText(bytes: Buffer): string {
  return zlib.gzipSync(bytes).toString('base64');
}
