// The config drive partition plan: where the ISO goes on the target disk and the partition-table bytes
// that make it a partition, computed from the cached raw image's first bytes alone (the plan never reads
// the target disk: the same writes go over iSCSI in `iscsi` mode or to the ramdisk's `dd` in `direct` mode,
// after the image itself). Pure and deterministic: a retried step writes identical bytes.
//
//   disk, GPT image (512-byte sectors shown):
//   LBA 0     1        2..33     firstUsable ... image partitions ... [stale backup]   ... config-2 ... bkp entries  bkp header
//   [pMBR*]  [hdr*]   [entries*]  .........................................[zeroed]        [ISO+pad*]  [entries*]   [hdr*] = last LBA
//   disk, MBR image:
//   [MBR*: new primary, type 0x83] ... image partitions ...                                  [ISO+pad*] (end of disk, or of 2 TiB)
//   (* = bytes in the plan's writes)
//
// The partition is the drive's size rounded up to 1 MiB, starts on a 1 MiB boundary and ends as close to
// the end of the disk as alignment allows, after every existing partition. Writes are disjoint, so their
// order does not matter.
import { crc32 } from './crc32';

const MiB = 1024 * 1024;
/** The new partition's start and size are multiples of this. */
export const PARTITION_ALIGN_BYTES = MiB;
/**
 * How many bytes of the image's start callers pass as `head`: the plan needs LBA 0 (MBR) and, for GPT,
 * everything through the primary partition entries (a standard 512-byte-sector GPT: 2 + 32 sectors =
 * 17,408 bytes; 4096-byte sectors: 24,576). Tables whose entries reach beyond this are refused.
 */
export const PLAN_HEAD_BYTES = 64 * 1024;
/** GPT type "Linux filesystem data", as Ironic's config drive partition. */
export const LINUX_DATA_TYPE_GUID = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
export const CONFIG_DRIVE_PARTITION_NAME = 'config-2';
const MBR_LINUX = 0x83;
const MBR_MAX_SECTORS = 2 ** 32;

export interface DiskWrite {
  offset: number;
  bytes: Uint8Array;
}

export interface PartitionPlanInput {
  /** The raw image's first bytes: at least through its partition table (PLAN_HEAD_BYTES is always enough). */
  head: Uint8Array;
  /** The raw image's size in bytes (what was written from offset 0). */
  imageBytes: number;
  /** The target disk's size in bytes. */
  diskBytes: number;
  /** The config drive ISO's size in bytes. */
  driveBytes: number;
  /** The disk's logical sector size. */
  sectorBytes?: 512 | 4096;
  /** Mixed into the new GPT partition's unique GUID (e.g. the node's uuid), with the disk GUID. */
  salt?: string;
}

export interface ConfigDrivePartition {
  /** 1-based partition number (GPT entry index + 1, or MBR slot + 1). */
  number: number;
  offset: number;
  bytes: number;
  /** GPT only: the partition's unique GUID. */
  guid?: string;
}

export interface PartitionPlan {
  table: 'gpt' | 'mbr';
  partition: ConfigDrivePartition;
  /** The partition-table writes (and zeroing of the image's stale GPT backup); the ISO is added by configDriveWrites. */
  tableWrites: DiskWrite[];
}

export class PartitionPlanError extends Error {
  readonly retryable = false;
  readonly type = 'ConfigDrivePartitionRefused';
  constructor(message: string) {
    super(message);
    this.name = 'PartitionPlanError';
  }
}

function refuse(message: string): never {
  throw new PartitionPlanError(message);
}

function human(bytes: number): string {
  if (bytes >= 2 ** 40) return `${(bytes / 2 ** 40).toFixed(2)} TiB`;
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 2)} MiB`;
}

function u64(v: DataView, at: number): number {
  const n = v.getBigUint64(at, true);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) refuse(`the GPT holds an LBA beyond 2^53 (${n}): the table is damaged.`);
  return Number(n);
}

/** A copy of b[from, to): never a view (Buffer's slice is one), so the caller's head is never modified. */
function copy(b: Uint8Array, from: number, to: number): Uint8Array {
  return new Uint8Array(b.subarray(from, to));
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Plans the config drive partition for an image written from offset 0 of a disk. Throws PartitionPlanError. */
export function planConfigDrivePartition(input: PartitionPlanInput): PartitionPlan {
  const ss = input.sectorBytes ?? 512;
  if (ss !== 512 && ss !== 4096) refuse(`sector size ${ss} is not supported: 512 or 4096.`);
  for (const k of ['imageBytes', 'diskBytes', 'driveBytes'] as const) {
    if (!Number.isSafeInteger(input[k]) || input[k] <= 0) refuse(`${k} must be a positive whole number of bytes, got ${input[k]}.`);
  }
  if (input.imageBytes > input.diskBytes)
    refuse(`the image (${human(input.imageBytes)}) is larger than the disk (${human(input.diskBytes)}).`);
  if (input.head.length < 512)
    refuse(`the plan needs the image's first ${PLAN_HEAD_BYTES} bytes (at least 512, the MBR); got ${input.head.length}.`);
  const h = input.head;
  if (h[510] !== 0x55 || h[511] !== 0xaa) {
    refuse(
      'the image has no partition table (no MBR signature 0x55AA at byte 510): a config drive partition needs a whole-disk image with an MBR or GPT partition table.',
    );
  }
  const entries = readMbrEntries(h);
  const protective = entries.filter((e) => e.type === 0xee);
  if (protective.length) {
    if (entries.some((e) => e.type !== 0xee && e.type !== 0))
      refuse(
        'the image has a hybrid MBR (a GPT protective entry beside MBR partitions): not supported for a config drive; use a pure GPT or a pure MBR image.',
      );
    return planGpt(input, ss);
  }
  return planMbr(input, ss, entries);
}

interface MbrEntry {
  slot: number;
  status: number;
  type: number;
  start: number;
  sectors: number;
}

function readMbrEntries(h: Uint8Array): MbrEntry[] {
  const v = view(h);
  const out: MbrEntry[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const at = 446 + slot * 16;
    out.push({ slot, status: h[at], type: h[at + 4], start: v.getUint32(at + 8, true), sectors: v.getUint32(at + 12, true) });
  }
  return out;
}

/** CHS of an LBA in the conventional 255-head, 63-sector geometry; 0xFE 0xFF 0xFF past cylinder 1023. */
function chs(lba: number): [number, number, number] {
  const c = Math.floor(lba / (255 * 63));
  if (c > 1023) return [0xfe, 0xff, 0xff];
  const hd = Math.floor(lba / 63) % 255;
  const s = (lba % 63) + 1;
  return [hd, ((c >> 2) & 0xc0) | s, c & 0xff];
}

function writeMbrEntry(sector0: Uint8Array, slot: number, type: number, start: number, sectors: number): void {
  const at = 446 + slot * 16;
  const v = view(sector0);
  sector0[at] = 0;
  sector0.set(chs(start), at + 1);
  sector0[at + 4] = type;
  sector0.set(chs(start + sectors - 1), at + 5);
  v.setUint32(at + 8, start, true);
  v.setUint32(at + 12, sectors, true);
}

/** Sectors of the drive's partition: its size rounded up to the alignment. */
function partitionSectors(input: PartitionPlanInput, ss: number): number {
  return (Math.ceil(input.driveBytes / PARTITION_ALIGN_BYTES) * PARTITION_ALIGN_BYTES) / ss;
}

function doesNotFit(input: PartitionPlanInput, partSectors: number, ss: number, lastUsed: number, room: string): never {
  refuse(
    `the config drive (${human(input.driveBytes)}, a ${human(partSectors * ss)} partition) does not fit on the disk after the image's last partition ` +
      `(it ends at byte ${(lastUsed + 1) * ss}; ${room}): use a bigger disk or a smaller image or config drive.`,
  );
}

function planMbr(input: PartitionPlanInput, ss: number, entries: MbrEntry[]): PartitionPlan {
  const h = input.head;
  for (const e of entries) {
    if (e.status !== 0 && e.status !== 0x80)
      refuse(
        `the image's MBR entry ${e.slot + 1} has boot flag 0x${e.status.toString(16)}: this is not an MBR partition table (a bare filesystem?).`,
      );
  }
  const used = entries.filter((e) => e.type !== 0);
  if (used.length === 0)
    refuse("the image's MBR has no partitions: a config drive partition needs a whole-disk image with a partition table.");
  const free = entries.find((e) => e.type === 0);
  if (!free)
    refuse(
      "the image's MBR already has 4 primary partitions: no slot is left for the config drive; use a GPT image or one with at most 3 primary partitions.",
    );
  const diskSectors = Math.floor(input.diskBytes / ss);
  // An extended partition's range holds its logical partitions, so its end covers theirs.
  const lastUsed = Math.max(...used.map((e) => e.start + e.sectors - 1));
  const limit = Math.min(diskSectors, MBR_MAX_SECTORS); // MBR addresses 2^32 sectors (2 TiB of 512-byte sectors)
  const part = partitionSectors(input, ss);
  const align = PARTITION_ALIGN_BYTES / ss;
  const start = Math.floor((limit - part) / align) * align;
  if (start <= lastUsed || start < 1) {
    const room =
      diskSectors > MBR_MAX_SECTORS
        ? `an MBR addresses only the first ${human(MBR_MAX_SECTORS * ss)} of this ${human(input.diskBytes)} disk`
        : `the disk is ${human(input.diskBytes)}`;
    doesNotFit(input, part, ss, lastUsed, room);
  }
  const sector0 = copy(h, 0, 512);
  writeMbrEntry(sector0, free.slot, MBR_LINUX, start, part);
  return {
    table: 'mbr',
    partition: { number: free.slot + 1, offset: start * ss, bytes: part * ss },
    tableWrites: [{ offset: 0, bytes: sector0 }],
  };
}

const GPT_SIGNATURE = 'EFI PART';

function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, '');
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  // The first three fields are little-endian on disk.
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function guidText(b: Uint8Array): string {
  const hx = (from: number, to: number, rev: boolean) => {
    const part = Array.from(b.subarray(from, to));
    if (rev) part.reverse();
    return part.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hx(0, 4, true)}-${hx(4, 6, true)}-${hx(6, 8, true)}-${hx(8, 10, false)}-${hx(10, 16, false)}`.toUpperCase();
}

function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A unique GUID derived from the disk GUID (and salt): the same inputs always give the same GUID. RFC 9562 version 8. */
function deriveGuid(diskGuid: Uint8Array, salt: string, taken: Set<string>): Uint8Array {
  for (let attempt = 0; ; attempt++) {
    const material = new Uint8Array([...diskGuid, ...utf8(`${CONFIG_DRIVE_PARTITION_NAME}\u0000${salt}\u0000${attempt}`)]);
    const out = new Uint8Array(16);
    const v = view(out);
    for (let i = 0; i < 4; i++) v.setUint32(i * 4, crc32(material, 0x9e3779b9 * (i + 1)), true);
    out[7] = (out[7] & 0x0f) | 0x80; // version 8 (custom), in the little-endian third field
    out[8] = (out[8] & 0x3f) | 0x80; // RFC variant
    const text = guidText(out);
    if (!taken.has(text) && text !== guidText(diskGuid)) return out;
  }
}

interface Range {
  from: number; // first sector
  to: number; // last sector (inclusive)
}

/** Sectors of `r` not covered by any of `others`. */
function subtract(r: Range, others: Range[]): Range[] {
  let parts = [r];
  for (const o of others) {
    parts = parts.flatMap((p) => {
      if (o.to < p.from || o.from > p.to) return [p];
      const out: Range[] = [];
      if (o.from > p.from) out.push({ from: p.from, to: o.from - 1 });
      if (o.to < p.to) out.push({ from: o.to + 1, to: p.to });
      return out;
    });
  }
  return parts;
}

function planGpt(input: PartitionPlanInput, ss: number): PartitionPlan {
  const h = input.head;
  if (h.length < 2 * ss)
    refuse(`the plan needs the image's first ${PLAN_HEAD_BYTES} bytes (the GPT header is at byte ${ss}); got ${h.length}.`);
  const hdr = copy(h, ss, 2 * ss);
  const hv = view(hdr);
  if (String.fromCharCode(...hdr.subarray(0, 8)) !== GPT_SIGNATURE) {
    refuse(
      `the image's MBR is a GPT protective MBR but there is no GPT header ("EFI PART") at byte ${ss}: the image is damaged, or its sector size is not ${ss}.`,
    );
  }
  const headerSize = hv.getUint32(12, true);
  if (headerSize < 92 || headerSize > ss)
    refuse(`the image's GPT header size ${headerSize} is out of range (92..${ss}): the table is damaged.`);
  const storedCrc = hv.getUint32(16, true);
  const check = copy(hdr, 0, headerSize);
  view(check).setUint32(16, 0, true);
  if (crc32(check) !== storedCrc)
    refuse(
      "the image's primary GPT header fails its CRC32 check: the image is damaged (repair it with sgdisk -v / gdisk before deploying it).",
    );
  const myLba = u64(hv, 24);
  const oldAlternate = u64(hv, 32);
  const firstUsable = u64(hv, 40);
  const oldLastUsable = u64(hv, 48);
  const entryLba = u64(hv, 72);
  const count = hv.getUint32(80, true);
  const entrySize = hv.getUint32(84, true);
  if (myLba !== 1) refuse(`the image's primary GPT header says it sits at LBA ${myLba}, not 1: the table is damaged.`);
  if (entrySize < 128 || entrySize % 8 !== 0 || entrySize > 4096)
    refuse(`the image's GPT entry size ${entrySize} is not supported (128, or a larger multiple of 8).`);
  if (count < 1 || count * entrySize > 4 * MiB)
    refuse(`the image's GPT has ${count} entries of ${entrySize} bytes: not a sane partition table.`);
  const arrayBytes = count * entrySize;
  const arraySectors = Math.ceil(arrayBytes / ss);
  const arrayEnd = entryLba * ss + arrayBytes;
  if (entryLba < 2 || entryLba + arraySectors > firstUsable)
    refuse(
      `the image's GPT entry array (LBA ${entryLba}, ${arraySectors} sectors) overlaps the header or the usable area: the table is damaged.`,
    );
  if (arrayEnd > h.length) {
    refuse(
      `the image's GPT partition entries end at byte ${arrayEnd}, beyond the ${h.length} bytes of the image's start the plan was given (it reads PLAN_HEAD_BYTES = ${PLAN_HEAD_BYTES}): such a layout is not supported.`,
    );
  }
  const array = copy(h, entryLba * ss, entryLba * ss + arraySectors * ss);
  if (crc32(array.subarray(0, arrayBytes)) !== hv.getUint32(88, true))
    refuse(
      "the image's GPT partition entries fail their CRC32 check: the image is damaged (repair it with sgdisk -v / gdisk before deploying it).",
    );

  const av = view(array);
  let lastUsed = entryLba + arraySectors - 1;
  let freeIndex = -1;
  const taken = new Set<string>();
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    const empty = array.subarray(at, at + 16).every((x) => x === 0);
    if (empty) {
      if (freeIndex === -1) freeIndex = i;
      continue;
    }
    taken.add(guidText(array.subarray(at + 16, at + 32)));
    const first = u64(av, at + 32);
    const last = u64(av, at + 40);
    if (last < first)
      refuse(`the image's GPT partition ${i + 1} ends (LBA ${last}) before it starts (LBA ${first}): the table is damaged.`);
    lastUsed = Math.max(lastUsed, last);
  }
  if (freeIndex === -1) refuse(`all ${count} entries of the image's GPT are in use: no entry is left for the config drive partition.`);

  const diskSectors = Math.floor(input.diskBytes / ss);
  const newAlternate = diskSectors - 1;
  const backupArrayLba = newAlternate - arraySectors;
  const newLastUsable = backupArrayLba - 1;
  const part = partitionSectors(input, ss);
  const align = PARTITION_ALIGN_BYTES / ss;
  const start = Math.floor((newLastUsable + 1 - part) / align) * align;
  if (start <= lastUsed || start < firstUsable)
    doesNotFit(
      input,
      part,
      ss,
      lastUsed,
      `the disk is ${human(input.diskBytes)} and the backup GPT takes its last ${(arraySectors + 1) * ss} bytes`,
    );
  const last = start + part - 1;

  // The new entry.
  const at = freeIndex * entrySize;
  array.set(guidBytes(LINUX_DATA_TYPE_GUID), at);
  const diskGuid = copy(hdr, 56, 72);
  const unique = deriveGuid(diskGuid, input.salt ?? '', taken);
  array.set(unique, at + 16);
  av.setBigUint64(at + 32, BigInt(start), true);
  av.setBigUint64(at + 40, BigInt(last), true);
  av.setBigUint64(at + 48, 0n, true);
  array.fill(0, at + 56, at + Math.min(entrySize, 128));
  for (let i = 0; i < CONFIG_DRIVE_PARTITION_NAME.length; i++)
    av.setUint16(at + 56 + i * 2, CONFIG_DRIVE_PARTITION_NAME.charCodeAt(i), true);
  const arrayCrc = crc32(array.subarray(0, arrayBytes));

  const header = (self: number, alternate: number, entries: number): Uint8Array => {
    const s = new Uint8Array(ss);
    s.set(hdr.subarray(0, headerSize));
    const v = view(s);
    v.setBigUint64(24, BigInt(self), true);
    v.setBigUint64(32, BigInt(alternate), true);
    v.setBigUint64(48, BigInt(newLastUsable), true);
    v.setBigUint64(72, BigInt(entries), true);
    v.setUint32(88, arrayCrc, true);
    v.setUint32(16, 0, true);
    v.setUint32(16, crc32(s.subarray(0, headerSize)), true);
    return s;
  };
  const primary = copy(hdr, 0, hdr.length);
  primary.set(header(1, newAlternate, entryLba).subarray(0, headerSize));
  const backup = header(newAlternate, 1, backupArrayLba);

  // The protective MBR covers the whole disk (as far as 32 bits reach).
  const sector0 = copy(h, 0, 512);
  const pm = readMbrEntries(sector0).find((e) => e.type === 0xee)!;
  writeMbrEntry(sector0, pm.slot, 0xee, 1, Math.min(diskSectors - 1, MBR_MAX_SECTORS - 1));
  sector0[446 + pm.slot * 16] = 0;

  const writes: DiskWrite[] = [
    { offset: 0, bytes: sector0 },
    { offset: ss, bytes: primary },
    { offset: entryLba * ss, bytes: array },
    { offset: backupArrayLba * ss, bytes: array },
    { offset: newAlternate * ss, bytes: backup },
  ];
  // The image's own backup GPT (header at its alternate LBA, entries before it) is stale: zero what of it
  // lies outside every live structure, so no tool mistakes it for a table.
  if (oldAlternate !== newAlternate && oldAlternate < diskSectors) {
    const stale: Range = { from: Math.max(oldAlternate - arraySectors, oldLastUsable + 1, lastUsed + 1), to: oldAlternate };
    if (stale.from <= stale.to) {
      for (const r of subtract(stale, [
        { from: start, to: last },
        { from: backupArrayLba, to: newAlternate },
      ])) {
        writes.push({ offset: r.from * ss, bytes: new Uint8Array((r.to - r.from + 1) * ss) });
      }
    }
  }
  return {
    table: 'gpt',
    partition: { number: freeIndex + 1, offset: start * ss, bytes: part * ss, guid: guidText(unique) },
    tableWrites: writes.sort((a, b) => a.offset - b.offset),
  };
}

/** Every write for a config drive: the plan's table writes plus the ISO, zero-padded to the partition's end. */
export function configDriveWrites(plan: PartitionPlan, iso: Uint8Array): DiskWrite[] {
  if (iso.length > plan.partition.bytes)
    refuse(
      `the config drive is ${iso.length} bytes but the planned partition holds ${plan.partition.bytes}: plan with the drive's real size.`,
    );
  const content = new Uint8Array(plan.partition.bytes);
  content.set(iso);
  const writes = [...plan.tableWrites, { offset: plan.partition.offset, bytes: content }].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < writes.length; i++) {
    if (writes[i - 1].offset + writes[i - 1].bytes.length > writes[i].offset)
      refuse(`internal: config drive writes overlap at byte ${writes[i].offset}.`);
  }
  return writes;
}
