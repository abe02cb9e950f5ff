// The plan on synthetic tables, checked by an independent reader (Node's zlib CRC-32, Buffer accessors).
// test/configdrive/ checks the same plans with sgdisk, sfdisk, xorriso and cloud-init.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { crc32 } from './crc32';
import {
  configDriveWrites,
  PartitionPlanError,
  planConfigDrivePartition,
  PLAN_HEAD_BYTES,
  type DiskWrite,
  type PartitionPlanInput,
} from './partition-table';

const MiB = 1024 * 1024;
const SS = 512;
const LINUX_DATA = Buffer.from('af3dc60f838472478e793d69d8477de4', 'hex');
const ESP = Buffer.from('28732ac11ff8d211ba4b00a0c93ec93b', 'hex');

interface Part {
  first: number;
  last: number;
  type?: Buffer;
}

/** A GPT disk image of `bytes` as sgdisk lays it out: pMBR, header, 128 entries at LBA 2, backup at the end. */
function gptImage(bytes: number, parts: Part[], count = 128, SS = 512): Buffer {
  const img = Buffer.alloc(bytes);
  const lbas = bytes / SS;
  const arraySectors = Math.ceil((count * 128) / SS);
  // protective MBR
  img[446 + 4] = 0xee;
  img.writeUInt32LE(1, 446 + 8);
  img.writeUInt32LE(Math.min(lbas - 1, 0xffffffff), 446 + 12);
  img[510] = 0x55;
  img[511] = 0xaa;
  const array = Buffer.alloc(arraySectors * SS);
  parts.forEach((p, i) => {
    (p.type ?? ESP).copy(array, i * 128);
    crypto.randomBytes(16).copy(array, i * 128 + 16);
    array.writeBigUInt64LE(BigInt(p.first), i * 128 + 32);
    array.writeBigUInt64LE(BigInt(p.last), i * 128 + 40);
  });
  const header = (self: number, alt: number, entries: number) => {
    const h = Buffer.alloc(SS);
    h.write('EFI PART', 0, 'ascii');
    h.writeUInt32LE(0x10000, 8);
    h.writeUInt32LE(92, 12);
    h.writeBigUInt64LE(BigInt(self), 24);
    h.writeBigUInt64LE(BigInt(alt), 32);
    h.writeBigUInt64LE(BigInt(2 + arraySectors), 40);
    h.writeBigUInt64LE(BigInt(lbas - 2 - arraySectors), 48);
    Buffer.from('00112233445566778899aabbccddeeff', 'hex').copy(h, 56);
    h.writeBigUInt64LE(BigInt(entries), 72);
    h.writeUInt32LE(count, 80);
    h.writeUInt32LE(128, 84);
    h.writeUInt32LE(zlib.crc32(array.subarray(0, count * 128)), 88);
    h.writeUInt32LE(zlib.crc32(h.subarray(0, 92)), 16);
    return h;
  };
  header(1, lbas - 1, 2).copy(img, SS);
  array.copy(img, 2 * SS);
  array.copy(img, (lbas - 1 - arraySectors) * SS);
  header(lbas - 1, 1, lbas - 1 - arraySectors).copy(img, (lbas - 1) * SS);
  return img;
}

/** An MBR disk image's first sector with the given primary entries. */
function mbrHead(parts: { start: number; sectors: number; type?: number }[]): Buffer {
  const h = Buffer.alloc(512);
  h.writeUInt32LE(0xdeadbeef, 440);
  parts.forEach((p, i) => {
    h[446 + i * 16 + 4] = p.type ?? 0x83;
    h.writeUInt32LE(p.start, 446 + i * 16 + 8);
    h.writeUInt32LE(p.sectors, 446 + i * 16 + 12);
  });
  h[510] = 0x55;
  h[511] = 0xaa;
  return h;
}

function apply(disk: Buffer, writes: DiskWrite[]): void {
  for (const w of writes) Buffer.from(w.bytes).copy(disk, w.offset);
}

function refuses(input: PartitionPlanInput, pattern: RegExp): void {
  assert.throws(
    () => planConfigDrivePartition(input),
    (e: unknown) => {
      assert.ok(e instanceof PartitionPlanError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

/** Reads a GPT header independently and checks its CRCs against the entry array it names. */
function readGpt(disk: Buffer, lba: number, SS = 512) {
  const h = disk.subarray(lba * SS, lba * SS + SS);
  assert.equal(h.toString('ascii', 0, 8), 'EFI PART');
  const copy = Buffer.from(h.subarray(0, 92));
  copy.writeUInt32LE(0, 16);
  assert.equal(zlib.crc32(copy), h.readUInt32LE(16), `header CRC at LBA ${lba}`);
  const entries = Number(h.readBigUInt64LE(72));
  const array = disk.subarray(entries * SS, entries * SS + h.readUInt32LE(80) * h.readUInt32LE(84));
  assert.equal(zlib.crc32(array), h.readUInt32LE(88), `entries CRC for the header at LBA ${lba}`);
  return {
    self: Number(h.readBigUInt64LE(24)),
    alternate: Number(h.readBigUInt64LE(32)),
    firstUsable: Number(h.readBigUInt64LE(40)),
    lastUsable: Number(h.readBigUInt64LE(48)),
    entries,
    array: Buffer.from(array),
  };
}

test('crc32 is the IEEE CRC-32 (same as zlib)', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  for (const n of [0, 1, 92, 16384, 100_003]) {
    const b = crypto.randomBytes(n);
    assert.equal(crc32(b), zlib.crc32(b));
  }
});

test('GPT: the drive goes last, 1 MiB aligned; both headers, both arrays and the pMBR are rewritten for the bigger disk', () => {
  const imageBytes = 8 * MiB;
  const diskBytes = 64 * MiB;
  const image = gptImage(imageBytes, [
    { first: 2048, last: 4095 },
    { first: 4096, last: 14335, type: LINUX_DATA },
  ]);
  const input = { head: image.subarray(0, PLAN_HEAD_BYTES), imageBytes, diskBytes, driveBytes: 300 * 1024, salt: 'node-1' };
  const before = Buffer.from(input.head);
  const plan = planConfigDrivePartition(input);
  assert.deepEqual(input.head, before, 'the plan never modifies the head it is given');
  assert.equal(plan.table, 'gpt');
  assert.equal(plan.partition.number, 3);
  assert.equal(plan.partition.bytes, MiB);
  assert.equal(plan.partition.offset % MiB, 0);
  // The last whole MiB before the 33 sectors of backup GPT: the disk's 63rd MiB.
  assert.equal(plan.partition.offset, 62 * MiB);

  const disk = Buffer.alloc(diskBytes);
  image.copy(disk);
  const iso = crypto.randomBytes(300 * 1024);
  apply(disk, configDriveWrites(plan, iso));

  const lbas = diskBytes / SS;
  const primary = readGpt(disk, 1);
  const backup = readGpt(disk, lbas - 1);
  assert.equal(primary.alternate, lbas - 1);
  assert.equal(backup.self, lbas - 1);
  assert.equal(backup.alternate, 1);
  assert.equal(backup.entries, lbas - 33);
  assert.equal(primary.lastUsable, lbas - 34);
  assert.equal(backup.lastUsable, primary.lastUsable);
  assert.equal(primary.firstUsable, 34);
  assert.deepEqual(backup.array, primary.array);

  const e = primary.array.subarray(2 * 128, 3 * 128);
  assert.deepEqual(e.subarray(0, 16), LINUX_DATA);
  assert.equal(Number(e.readBigUInt64LE(32)), (62 * MiB) / SS);
  assert.equal(Number(e.readBigUInt64LE(40)), (63 * MiB) / SS - 1);
  assert.equal(e.subarray(56, 72).toString('utf16le'), 'config-2');
  assert.equal(e[16 + 7] >> 4, 8, 'GUID version 8');
  assert.equal(e[16 + 8] >> 6, 2, 'GUID variant');
  // The image's own partitions are untouched.
  assert.deepEqual(primary.array.subarray(0, 256), image.subarray(2 * SS, 2 * SS + 256));

  // Protective MBR covers the disk.
  assert.equal(disk[446 + 4], 0xee);
  assert.equal(disk.readUInt32LE(446 + 8), 1);
  assert.equal(disk.readUInt32LE(446 + 12), lbas - 1);
  // The ISO sits at the partition's start, the rest of the partition is zero.
  assert.deepEqual(disk.subarray(plan.partition.offset, plan.partition.offset + iso.length), iso);
  assert.ok(disk.subarray(plan.partition.offset + iso.length, plan.partition.offset + MiB).every((b) => b === 0));
  // The image's stale backup (header + entries at its end) is gone.
  assert.ok(disk.subarray(imageBytes - 33 * SS, imageBytes).every((b) => b === 0));

  // Deterministic: the same inputs give the same bytes; another salt gives another GUID.
  assert.deepEqual(planConfigDrivePartition(input), plan);
  assert.notEqual(planConfigDrivePartition({ ...input, salt: 'node-2' }).partition.guid, plan.partition.guid);
  // Writes never overlap (they can be applied in any order).
  const writes = configDriveWrites(plan, iso);
  for (let i = 1; i < writes.length; i++) assert.ok(writes[i - 1].offset + writes[i - 1].bytes.length <= writes[i].offset);
});

test('GPT: a drive of several MiB, the first free entry is used even when a later one is taken', () => {
  const image = gptImage(4 * MiB, [{ first: 2048, last: 4095 }]);
  // Move the first entry to slot 5, leaving slots 1..4 free.
  const entries = Buffer.from(image.subarray(2 * SS, 2 * SS + 128 * 128));
  entries.copy(entries, 4 * 128, 0, 128);
  entries.fill(0, 0, 128);
  entries.copy(image, 2 * SS);
  image.writeUInt32LE(zlib.crc32(entries), SS + 88);
  image.writeUInt32LE(0, SS + 16);
  image.writeUInt32LE(zlib.crc32(image.subarray(SS, SS + 92)), SS + 16);
  const plan = planConfigDrivePartition({ head: image, imageBytes: 4 * MiB, diskBytes: 32 * MiB, driveBytes: 5 * MiB + 1 });
  assert.equal(plan.partition.number, 1);
  assert.equal(plan.partition.bytes, 6 * MiB);
  assert.equal(plan.partition.offset, 25 * MiB);
});

test('GPT: an image as big as the disk still gets the drive when it has room at its end', () => {
  const image = gptImage(16 * MiB, [{ first: 2048, last: 8191 }]);
  const plan = planConfigDrivePartition({ head: image, imageBytes: 16 * MiB, diskBytes: 16 * MiB, driveBytes: MiB });
  assert.equal(plan.partition.offset, 14 * MiB);
  const disk = Buffer.from(image);
  apply(disk, configDriveWrites(plan, Buffer.alloc(MiB, 1)));
  assert.equal(readGpt(disk, 1).alternate, (16 * MiB) / SS - 1);
  readGpt(disk, (16 * MiB) / SS - 1);
});

test('GPT on 4096-byte sectors: the same layout in 4 KiB units', () => {
  const ss = 4096;
  const image = gptImage(8 * MiB, [{ first: 256, last: 1791 }], 128, ss);
  const plan = planConfigDrivePartition({
    head: image.subarray(0, PLAN_HEAD_BYTES),
    imageBytes: 8 * MiB,
    diskBytes: 32 * MiB,
    driveBytes: MiB,
    sectorBytes: ss,
  });
  // 8192 sectors; the backup takes the last 5 (4 of entries + the header): the drive is the disk's 31st MiB.
  assert.equal(plan.partition.offset, 30 * MiB);
  const disk = Buffer.alloc(32 * MiB);
  image.copy(disk);
  apply(disk, configDriveWrites(plan, Buffer.alloc(MiB, 7)));
  const primary = readGpt(disk, 1, ss);
  const backup = readGpt(disk, 8191, ss);
  assert.equal(primary.alternate, 8191);
  assert.equal(backup.entries, 8191 - 4);
  assert.equal(primary.lastUsable, 8191 - 5);
  assert.equal(Number(primary.array.readBigUInt64LE(128 + 32)), (30 * MiB) / ss);
  assert.equal(disk.readUInt32LE(446 + 12), 8191);
  assert.ok(
    disk.subarray(8 * MiB - 5 * ss, 8 * MiB).every((b) => b === 0),
    'stale backup zeroed',
  );
});

test('GPT on a disk beyond 2 TiB: the protective MBR entry saturates at 0xFFFFFFFF sectors', () => {
  const image = gptImage(4 * MiB, [{ first: 2048, last: 4095 }]);
  const plan = planConfigDrivePartition({
    head: image.subarray(0, PLAN_HEAD_BYTES),
    imageBytes: 4 * MiB,
    diskBytes: 3 * 2 ** 40,
    driveBytes: MiB,
  });
  const s0 = Buffer.from(plan.tableWrites[0].bytes);
  assert.equal(plan.tableWrites[0].offset, 0);
  assert.equal(s0.readUInt32LE(446 + 12), 0xffffffff);
  assert.equal(plan.partition.offset + plan.partition.bytes <= 3 * 2 ** 40 - 33 * SS, true);
  assert.equal(plan.partition.offset % MiB, 0);
});

test('GPT refusals say what is wrong', () => {
  const image = gptImage(8 * MiB, [{ first: 2048, last: 16000 }]);
  const base = { head: image.subarray(0, PLAN_HEAD_BYTES), imageBytes: 8 * MiB, diskBytes: 64 * MiB, driveBytes: MiB };
  refuses(
    { ...base, diskBytes: 8 * MiB + 512 * 1024 },
    /does not fit on the disk after the image's last partition \(it ends at byte 8192512; the disk is 8.50 MiB/,
  );
  refuses({ ...base, diskBytes: 4 * MiB }, /the image \(8 MiB\) is larger than the disk \(4 MiB\)/);
  refuses({ ...base, head: image.subarray(0, 4096) }, /partition entries end at byte 17408, beyond the 4096 bytes/);
  const badHeader = Buffer.from(base.head);
  badHeader[SS + 40] ^= 1;
  refuses({ ...base, head: badHeader }, /primary GPT header fails its CRC32 check/);
  const badEntries = Buffer.from(base.head);
  badEntries[2 * SS + 200] ^= 1;
  refuses({ ...base, head: badEntries }, /partition entries fail their CRC32 check/);
  const noHeader = Buffer.from(base.head);
  noHeader.fill(0, SS, 2 * SS);
  refuses({ ...base, head: noHeader }, /no GPT header \("EFI PART"\) at byte 512/);
  const hybrid = Buffer.from(base.head);
  hybrid[446 + 16 + 4] = 0x0c;
  refuses({ ...base, head: hybrid }, /hybrid MBR/);
  const full = gptImage(
    8 * MiB,
    [0, 1, 2, 3].map((i) => ({ first: 2048 + i * 2048, last: 4095 + i * 2048 })),
    4,
  );
  refuses({ ...base, head: full.subarray(0, PLAN_HEAD_BYTES) }, /all 4 entries of the image's GPT are in use/);
  refuses({ ...base, head: Buffer.alloc(PLAN_HEAD_BYTES) }, /no partition table \(no MBR signature 0x55AA at byte 510\)/);
});

test('MBR: a new primary of type 0x83 at the end of the disk, 1 MiB aligned; only sector 0 changes', () => {
  const head = mbrHead([
    { start: 2048, sectors: 4096 },
    { start: 6144, sectors: 8192, type: 0x05 },
  ]);
  const plan = planConfigDrivePartition({ head, imageBytes: 8 * MiB, diskBytes: 100 * MiB + 12345, driveBytes: 2 * MiB });
  assert.equal(plan.table, 'mbr');
  assert.equal(plan.partition.number, 3);
  assert.equal(plan.partition.offset, 98 * MiB);
  assert.equal(plan.partition.bytes, 2 * MiB);
  assert.equal(plan.tableWrites.length, 1);
  const s0 = Buffer.from(plan.tableWrites[0].bytes);
  assert.equal(plan.tableWrites[0].offset, 0);
  assert.equal(s0.length, 512);
  assert.deepEqual(s0.subarray(0, 446 + 32), head.subarray(0, 446 + 32), 'boot code, disk signature and the two partitions are kept');
  assert.equal(s0[446 + 32 + 4], 0x83);
  assert.equal(s0.readUInt32LE(446 + 32 + 8), (98 * MiB) / SS);
  assert.equal(s0.readUInt32LE(446 + 32 + 12), (2 * MiB) / SS);
  assert.equal(s0.readUInt16LE(510), 0xaa55);
});

test('MBR beyond 2 TiB: the drive ends where an MBR stops addressing; refusals say why', () => {
  const head = mbrHead([{ start: 2048, sectors: 4096 }]);
  const plan = planConfigDrivePartition({ head, imageBytes: 8 * MiB, diskBytes: 3 * 2 ** 40, driveBytes: MiB });
  assert.equal(plan.partition.offset + plan.partition.bytes, 2 ** 32 * SS);
  refuses(
    {
      head: mbrHead([1, 2, 3, 4].map((i) => ({ start: i * 2048, sectors: 2048 }))),
      imageBytes: 8 * MiB,
      diskBytes: 64 * MiB,
      driveBytes: MiB,
    },
    /already has 4 primary partitions/,
  );
  refuses(
    { head: mbrHead([{ start: 2048, sectors: 2 ** 32 - 3072 }]), imageBytes: 8 * MiB, diskBytes: 3 * 2 ** 40, driveBytes: MiB },
    /an MBR addresses only the first 2.00 TiB of this 3.00 TiB disk/,
  );
  refuses({ head: mbrHead([]), imageBytes: 8 * MiB, diskBytes: 64 * MiB, driveBytes: MiB }, /MBR has no partitions/);
  const notMbr = mbrHead([{ start: 2048, sectors: 2048 }]);
  notMbr[446] = 0x12;
  refuses(
    { head: notMbr, imageBytes: 8 * MiB, diskBytes: 64 * MiB, driveBytes: MiB },
    /boot flag 0x12: this is not an MBR partition table/,
  );
});

test('configDriveWrites refuses an ISO bigger than the planned partition', () => {
  const plan = planConfigDrivePartition({
    head: mbrHead([{ start: 2048, sectors: 2048 }]),
    imageBytes: 2 * MiB,
    diskBytes: 64 * MiB,
    driveBytes: MiB,
  });
  assert.throws(
    () => configDriveWrites(plan, Buffer.alloc(MiB + 1)),
    /the config drive is 1048577 bytes but the planned partition holds 1048576/,
  );
});
