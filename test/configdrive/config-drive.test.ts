// The config drive end to end with the real tools: images partitioned by sgdisk (GPT) and sfdisk (MBR),
// copied into bigger sparse disk files, the plan applied; then sgdisk/sfdisk find the tables sound and the new
// partition last, the partition's bytes are an ISO xorriso unpacks, and Debian's cloud-init ConfigDrive reader
// (/usr/bin/python3, the distribution's interpreter that has cloudinit) returns our hostname, keys and user_data.
// The client's form too: a gzip+base64 string made by openstacksdk's and ironicclient's own builders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { runCommand } from '#activities/shared/command-runner';
import {
  applyWritesToFile,
  buildConfigDriveIso,
  configDriveWrites,
  decodeConfigDriveString,
  planConfigDrivePartition,
  PLAN_HEAD_BYTES,
  type PartitionPlan,
} from '#activities/configdrive';
import { parseConfigDriveRequest } from '#workflows/domain/config-drive';

const MiB = 1024 * 1024;
const PYTHON = '/usr/bin/python3'; // Debian's, with cloudinit, openstack and ironicclient; not whatever python3 is on PATH
const NODE = { uuid: '7d4d5b0e-8a42-4c5e-9f0c-1f2e3d4c5b6a', name: 'node-7' };
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIronflowConfigDriveTestKey ironflow@test';
const USER_DATA = '#!/bin/sh\necho "hello from the config drive" > /root/hello\n';
const NETWORK = {
  links: [{ id: 'eth0', type: 'phy', ethernet_mac_address: '52:54:00:12:34:56' }],
  networks: [{ id: 'n0', link: 'eth0', type: 'ipv4_dhcp' }],
  services: [],
};
const DOC = { meta_data: { public_keys: { default: KEY }, hostname: 'cd-test.example.test' }, user_data: USER_DATA, network_data: NETWORK };

async function run(file: string, args: string[], stdin?: string) {
  return runCommand({ file, args, stdin, timeoutMs: 120_000 });
}

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-configdrive-it-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A sparse disk file of `diskBytes` holding `image` at offset 0 (as the image write leaves a disk). */
function diskWithImage(dir: string, image: string, diskBytes: number): string {
  const disk = path.join(dir, 'disk.raw');
  fs.writeFileSync(disk, fs.readFileSync(image));
  fs.truncateSync(disk, diskBytes);
  return disk;
}

function head(image: string): Buffer {
  const fd = fs.openSync(image, 'r');
  try {
    const b = Buffer.alloc(PLAN_HEAD_BYTES);
    return b.subarray(0, fs.readSync(fd, b, 0, b.length, 0));
  } finally {
    fs.closeSync(fd);
  }
}

async function placeDrive(image: string, disk: string, iso: Uint8Array): Promise<PartitionPlan> {
  const plan = planConfigDrivePartition({
    head: head(image),
    imageBytes: fs.statSync(image).size,
    diskBytes: fs.statSync(disk).size,
    driveBytes: iso.length,
    salt: NODE.uuid,
  });
  await applyWritesToFile(disk, configDriveWrites(plan, iso));
  return plan;
}

/**
 * sgdisk -v finds the GPT sound. Its "No problems found" alone is not enough: with a broken backup header it
 * says so after "Caution: invalid backup GPT header ... regenerating" (on stderr), so any such word fails too.
 */
async function assertSgdiskClean(disk: string): Promise<void> {
  const r = await run('sgdisk', ['-v', disk]);
  const all = `${r.stdout}\n${r.stderr}`;
  assert.match(r.stdout, /No problems found/, all);
  assert.doesNotMatch(all, /corrupt|invalid|CRC|ERROR|Warning|Problem:|regenerat|damaged|overlap|mismatch/i, all);
}

interface SfdiskPart {
  node: string;
  start: number;
  size: number;
  type: string;
  name?: string;
}

async function sfdiskTable(disk: string): Promise<{ label: string; partitions: SfdiskPart[] }> {
  return JSON.parse((await run('sfdisk', ['-J', disk])).stdout).partitiontable;
}

/** The partition's bytes, cut out with dd (as a reader of the disk would see them). */
async function extractPartition(dir: string, disk: string, plan: PartitionPlan): Promise<string> {
  const out = path.join(dir, 'partition.iso');
  await run('dd', [
    `if=${disk}`,
    `of=${out}`,
    'bs=512',
    `skip=${plan.partition.offset / 512}`,
    `count=${plan.partition.bytes / 512}`,
    'status=none',
  ]);
  return out;
}

/**
 * The drive's files as cloud-init would see them: the partition loop-mounted read-only, or (where this
 * machine cannot loop-mount) the ISO unpacked by xorriso. `close` unmounts.
 */
async function openDrive(dir: string, partition: string): Promise<{ root: string; how: string; close: () => Promise<void> }> {
  const mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
  try {
    await run('mount', ['-o', 'loop,ro', '-t', 'iso9660', partition, mnt]);
    return { root: mnt, how: 'mount -o loop,ro', close: async () => void (await run('umount', [mnt])) };
  } catch {
    const out = path.join(dir, 'extracted');
    await run('xorriso', ['-osirrox', 'on', '-indev', partition, '-extract', '/', out]);
    return { root: out, how: 'xorriso -extract', close: async () => undefined };
  }
}

/** Debian's cloud-init ConfigDrive datasource reading a directory (read_config_drive: read_v2, else read_v1). */
async function cloudInitRead(
  root: string,
): Promise<{ instanceId: string; hostname: string; keys: string[]; userData: string; network: unknown }> {
  const script = [
    'import json, sys',
    'from cloudinit import sources',
    'from cloudinit.sources import DataSourceConfigDrive as ds',
    'r = ds.read_config_drive(sys.argv[1])',
    'md = r["metadata"]',
    'ud = r.get("userdata", b"")',
    'print(json.dumps({"instanceId": md["instance-id"], "hostname": md.get("local-hostname"),',
    '  "keys": sources.normalize_pubkey_data(md.get("public_keys")),',
    '  "userData": ud.decode() if isinstance(ud, bytes) else ud, "network": r.get("networkdata")}))',
  ].join('\n');
  return JSON.parse((await run(PYTHON, ['-c', script, root])).stdout);
}

async function checkDriveReadable(
  t: { diagnostic: (m: string) => void },
  dir: string,
  disk: string,
  plan: PartitionPlan,
  expect: { hostname: string },
) {
  const partition = await extractPartition(dir, disk, plan);
  // The partition unpacks with xorriso...
  const unpacked = path.join(dir, 'unpacked');
  await run('xorriso', ['-osirrox', 'on', '-indev', partition, '-extract', '/', unpacked]);
  assert.ok(fs.existsSync(path.join(unpacked, 'openstack/latest/meta_data.json')));
  // ...and cloud-init reads it.
  const drive = await openDrive(dir, partition);
  let seen: Awaited<ReturnType<typeof cloudInitRead>>;
  try {
    seen = await cloudInitRead(drive.root);
  } finally {
    await drive.close();
  }
  t.diagnostic(`drive opened with ${drive.how}`);
  assert.equal(seen.instanceId, NODE.uuid);
  assert.equal(seen.hostname, expect.hostname);
  assert.deepEqual(seen.keys, [KEY]);
  assert.equal(seen.userData, USER_DATA);
  assert.deepEqual(seen.network, NETWORK);
}

test('GPT image (sgdisk, two partitions) on a bigger disk: sgdisk finds no problems, config-2 is the last partition, cloud-init reads it', async (t) => {
  const dir = tmp(t);
  const image = path.join(dir, 'image.raw');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 8 * MiB);
  await run('sgdisk', ['-n', '1:2048:+2M', '-t', '1:ef00', '-c', '1:EFI', '-n', '2:0:0', '-t', '2:8300', '-c', '2:root', image]);
  const disk = diskWithImage(dir, image, 96 * MiB);
  const iso = await buildConfigDriveIso(DOC, NODE);
  const plan = await placeDrive(image, disk, iso);
  assert.equal(plan.table, 'gpt');
  assert.equal(plan.partition.number, 3);

  await assertSgdiskClean(disk);
  const printed = (await run('sgdisk', ['-p', disk])).stdout;
  assert.match(printed, /^\s+3\s+\d+\s+\d+\s+[\d.]+ [KMG]iB\s+8300\s+config-2\s*$/m, printed);
  const info = (await run('sgdisk', ['-i', '3', disk])).stdout;
  assert.match(info, /Partition GUID code: 0FC63DAF-8483-4772-8E79-3D69D8477DE4/);
  assert.match(info, new RegExp(`Partition unique GUID: ${plan.partition.guid}`));

  const table = await sfdiskTable(disk);
  assert.equal(table.label, 'gpt');
  const last = table.partitions[table.partitions.length - 1];
  assert.equal(table.partitions.length, 3);
  assert.equal(last.name, 'config-2');
  assert.equal(last.start * 512, plan.partition.offset);
  assert.equal(last.size * 512, plan.partition.bytes);
  assert.equal(last.start % 2048, 0, '1 MiB aligned');
  assert.ok(
    table.partitions.every((p) => p === last || p.start + p.size <= last.start),
    'after every other partition',
  );
  // Only the backup GPT (33 sectors) and alignment slack lie between its end and the disk's end.
  assert.ok(96 * MiB - (plan.partition.offset + plan.partition.bytes) < MiB + 33 * 512);

  await checkDriveReadable(t, dir, disk, plan, { hostname: 'cd-test.example.test' });
});

test('MBR image (sfdisk, two partitions) on a bigger disk: sfdisk shows a new primary of type 83 at the end, cloud-init reads it', async (t) => {
  const dir = tmp(t);
  const image = path.join(dir, 'image.raw');
  fs.writeFileSync(image, '');
  fs.truncateSync(image, 8 * MiB);
  await run('sfdisk', ['--quiet', image], 'label: dos\nstart=2048, size=4096, type=83, bootable\nstart=6144, type=83\n');
  const before = await sfdiskTable(image);
  const disk = diskWithImage(dir, image, 80 * MiB);
  // The hostname defaults to the node's name when meta_data has none.
  const doc = { ...DOC, meta_data: { public_keys: { default: KEY } } };
  const iso = await buildConfigDriveIso(doc, NODE);
  const plan = await placeDrive(image, disk, iso);
  assert.equal(plan.table, 'mbr');

  await run('sfdisk', ['--verify', disk]);
  const dump = (await run('sfdisk', ['-d', disk])).stdout;
  assert.match(
    dump,
    new RegExp(
      `^${disk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}3 : start=\\s*${plan.partition.offset / 512}, size=\\s*${plan.partition.bytes / 512}, type=83$`,
      'm',
    ),
    dump,
  );
  const table = await sfdiskTable(disk);
  assert.equal(table.partitions.length, 3);
  assert.deepEqual(
    table.partitions.slice(0, 2),
    before.partitions.map((p) => ({ ...p, node: p.node.replace(image, disk) })),
  );
  const last = table.partitions[2];
  assert.equal(last.start % 2048, 0);
  assert.equal((last.start + last.size) * 512, 80 * MiB, 'ends at the end of the disk');

  await checkDriveReadable(t, dir, disk, plan, { hostname: NODE.name });
});

test("a client's gzip+base64 drive (openstacksdk's configdrive.build, ironicclient's make_configdrive) decodes and lands in the partition unchanged", async (t) => {
  const dir = tmp(t);
  const spec = JSON.stringify({ meta: { ...DOC.meta_data, uuid: NODE.uuid }, user_data: USER_DATA, network: NETWORK });
  const sdk = [
    'import json, sys',
    'from openstack.baremetal import configdrive',
    's = json.loads(sys.argv[1])',
    'sys.stdout.write(configdrive.build(s["meta"], user_data=s["user_data"].encode(), network_data=s["network"]))',
  ].join('\n');
  const cli = [
    'import json, sys',
    'from openstack.baremetal import configdrive',
    'from ironicclient.common import utils',
    's = json.loads(sys.argv[1])',
    'with configdrive.populate_directory(s["meta"], user_data=s["user_data"].encode(), network_data=s["network"]) as d:',
    '    sys.stdout.write(utils.make_configdrive(d).decode())',
  ].join('\n');
  for (const [who, script] of [
    ['openstacksdk', sdk],
    ['ironicclient', cli],
  ] as const) {
    await t.test(who, async (st) => {
      const sub = fs.mkdtempSync(path.join(dir, `${who}-`));
      const text = (await run(PYTHON, ['-c', script, spec])).stdout;
      assert.equal(parseConfigDriveRequest(text).kind, 'image');
      const iso = decodeConfigDriveString(text);
      assert.ok(Buffer.from(iso).equals(zlib.gunzipSync(Buffer.from(text, 'base64'))));

      const image = path.join(sub, 'image.raw');
      fs.writeFileSync(image, '');
      fs.truncateSync(image, 4 * MiB);
      await run('sgdisk', ['-n', '1:0:0', '-t', '1:8300', image]);
      const disk = diskWithImage(sub, image, 40 * MiB);
      const plan = await placeDrive(image, disk, iso);
      await assertSgdiskClean(disk);
      const fd = fs.openSync(disk, 'r');
      const back = Buffer.alloc(iso.length);
      fs.readSync(fd, back, 0, back.length, plan.partition.offset);
      fs.closeSync(fd);
      assert.ok(back.equals(Buffer.from(iso)), "the bytes the client sent are the partition's bytes");
      await checkDriveReadable(st, sub, disk, plan, { hostname: 'cd-test.example.test' });
    });
  }
});
