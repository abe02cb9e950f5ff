// The config drive on a real iscsi deploy: a lab node (ipmi_sim BMC, PXE over TFTP, the deploy ramdisk
// exporting its disk with tgtd) is deployed through the API with a GPT image made by sgdisk and a JSON
// configdrive. After `active` the disk file holds a GPT sgdisk finds sound (backup at the disk's end) with
// config-2 as the last partition, and Debian's cloud-init ConfigDrive reader (/usr/bin/python3) reads our
// hostname, key and user_data from it. A drive that does not fit after the image fails the deploy, saying so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { buildConfigDriveIso } from '#activities/configdrive';
import { runCommand } from '#activities/shared/command-runner';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab } from '../lab/lab';
import { startImageServer, type ImageServer } from '../lab/image-server';

const MiB = 1024 * 1024;
const DISK = 64 * MiB;
const PYTHON = '/usr/bin/python3'; // Debian's, with cloudinit
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIronflowDeployConfigDriveKey ironflow@test';
const USER_DATA = '#!/bin/sh\necho "hello from the deployed config drive" > /root/hello\n';
const DRIVE = { meta_data: { public_keys: { default: KEY }, hostname: 'cd-deploy.example.test' }, user_data: USER_DATA };

async function run(file: string, args: string[], stdin?: string) {
  return runCommand({ file, args, stdin, timeoutMs: 120_000 });
}

/** Debian's cloud-init ConfigDrive reader on the partition at [start, start+size) sectors of the disk. */
async function cloudInitRead(work: string, disk: string, start: number, size: number): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(work, 'read-'));
  const part = path.join(dir, 'config-2.iso');
  await run('dd', [`if=${disk}`, `of=${part}`, 'bs=512', `skip=${start}`, `count=${size}`, 'status=none']);
  const root = path.join(dir, 'drive');
  await run('xorriso', ['-osirrox', 'on', '-indev', part, '-extract', '/', root]);
  const script = [
    'import json, sys',
    'from cloudinit import sources',
    'from cloudinit.sources import DataSourceConfigDrive as ds',
    'r = ds.read_config_drive(sys.argv[1])',
    'md = r["metadata"]',
    'ud = r.get("userdata", b"")',
    'print(json.dumps({"instanceId": md["instance-id"], "hostname": md.get("local-hostname"),',
    '  "keys": sources.normalize_pubkey_data(md.get("public_keys")),',
    '  "userData": ud.decode() if isinstance(ud, bytes) else ud}))',
  ].join('\n');
  return JSON.parse((await run(PYTHON, ['-c', script, root])).stdout);
}

/** A GPT image of `bytes` made by sgdisk: an EFI partition and a root partition to the image's end. */
async function gptImage(dir: string, name: string, bytes: number): Promise<Buffer> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, crypto.randomBytes(bytes));
  await run('sgdisk', ['-n', '1:2048:+2M', '-t', '1:ef00', '-c', '1:EFI', '-n', '2:0:0', '-t', '2:8300', '-c', '2:root', file]);
  return fs.readFileSync(file);
}

async function show(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

/** Waits until the node rests: no target state, or a failed one (deploy failed keeps its target); returns it. */
async function rest(stack: TestStack, id: string): Promise<any> {
  return waitFor(
    async () => {
      const n = await show(stack, id);
      return n.target_provision_state === null || /failed$/.test(n.provision_state) ? n : undefined;
    },
    180_000,
    `node ${id} to settle`,
  );
}

async function settle(stack: TestStack, id: string, want: string): Promise<any> {
  const n = await rest(stack, id);
  assert.equal(n.provision_state, want, `node is ${n.provision_state}: ${n.last_error}`);
  return n;
}

async function act(stack: TestStack, id: string, body: Record<string, unknown>): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, body);
  assert.equal(r.status, 202, r.text);
}

describe('deploy with a config drive (iscsi, direct)', () => {
  let stack: TestStack;
  let lab: Lab;
  let images: ImageServer;
  let work: string;
  let id: string;
  let gpt: Buffer;
  let full: Buffer;
  let mbr: Buffer;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-cd-deploy-'));
    gpt = await gptImage(work, 'gpt.raw', 8 * MiB);
    full = await gptImage(work, 'full.raw', DISK - MiB); // its root partition leaves no room for a drive
    const mbrFile = path.join(work, 'mbr.raw');
    fs.writeFileSync(mbrFile, crypto.randomBytes(8 * MiB));
    await run('sfdisk', ['--quiet', mbrFile], 'label: dos\nstart=2048, size=4096, type=83, bootable\nstart=6144, type=83\n');
    mbr = fs.readFileSync(mbrFile);
    images = await startImageServer();
    images.images.set('mbr.img', { data: mbr });
    images.images.set('gpt.img', { data: gpt });
    images.images.set('full.img', { data: full });
    stack = await startStack({ automatedClean: 'metadata', callbackTimeoutSec: 60 });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: DISK,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
    const node = lab.nodes[0]!;
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name: node.name,
      deploy_interface: 'iscsi',
      automated_clean: false,
      driver_info: {
        ipmi_address: node.bmc.address,
        ipmi_port: node.bmc.port,
        ipmi_username: node.bmc.username,
        ipmi_password: node.bmc.password,
      },
      instance_info: {
        image_source: images.url('gpt.img'),
        image_checksum: `sha256:${crypto.createHash('sha256').update(gpt).digest('hex')}`,
      },
    });
    assert.equal(r.status, 201, r.text);
    id = r.body.uuid;
    assert.equal((await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: id })).status, 201);
    await act(stack, id, { target: 'manage' });
    await settle(stack, id, 'manageable');
    await act(stack, id, { target: 'provide' }); // automated_clean false: no erase
    await settle(stack, id, 'available');
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    await images?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('GPT image + JSON configdrive: sgdisk finds the disk sound, config-2 is the last partition, cloud-init reads it', async () => {
    const node = lab.nodes[0]!;
    await act(stack, id, { target: 'active', configdrive: DRIVE });
    const done = await settle(stack, id, 'active');
    assert.equal(done.last_error, null);
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    const names: string[] = op.steps.map((s: any) => s.name);
    assert.ok(names.indexOf('verify the written image') < names.indexOf('write the config drive over iSCSI'), names.join(', '));

    const disk = node.diskPath;
    assert.equal(fs.statSync(disk).size, DISK);
    // The image's bytes between its primary GPT and its old backup GPT (the drive's plan rewrites the one, zeroes the other).
    const body = { from: 40 * 1024, to: 8 * MiB - 34 * 512 };
    assert.ok(fs.readFileSync(disk).subarray(body.from, body.to).equals(gpt.subarray(body.from, body.to)), 'the image is on the disk');
    const v = await run('sgdisk', ['-v', disk]);
    const all = `${v.stdout}\n${v.stderr}`;
    assert.match(v.stdout, /No problems found/, all);
    assert.doesNotMatch(all, /corrupt|invalid|CRC|ERROR|Warning|Problem:|regenerat|damaged|overlap|mismatch/i, all);
    // The backup header is the disk's last sector.
    const backup = Buffer.alloc(512);
    const fd = fs.openSync(disk, 'r');
    fs.readSync(fd, backup, 0, 512, DISK - 512);
    fs.closeSync(fd);
    assert.equal(backup.subarray(0, 8).toString('latin1'), 'EFI PART');
    assert.equal(Number(backup.readBigUInt64LE(24)), DISK / 512 - 1, 'backup header at the last LBA');

    const table = JSON.parse((await run('sfdisk', ['-J', disk])).stdout).partitiontable;
    assert.equal(table.label, 'gpt');
    assert.equal(table.partitions.length, 3);
    const last = table.partitions[2];
    assert.equal(last.name, 'config-2');
    assert.ok(
      table.partitions.every((p: any) => p === last || p.start + p.size <= last.start),
      'after every other partition',
    );

    // The partition's bytes, as a reader of the disk sees them, unpacked; Debian's cloud-init reads them.
    const seen = await cloudInitRead(work, disk, last.start, last.size);
    assert.deepEqual(seen, { instanceId: id, hostname: 'cd-deploy.example.test', keys: [KEY], userData: USER_DATA });

    // The drive never reaches the node's view or the history.
    const shown = await show(stack, id);
    assert.notEqual(shown.instance_info.configdrive, DRIVE);
    const hist = JSON.stringify((await api(stack, 'GET', `/v1/nodes/${id}/history?detail=True`)).body);
    assert.ok(!hist.includes(KEY) && !hist.includes('hello from the deployed config drive'), 'no drive content in the history');
  });

  test('a drive that does not fit after the image fails the deploy with a last_error that says so', async () => {
    await act(stack, id, { target: 'deleted' }); // automated_clean false: no erase
    await settle(stack, id, 'available');
    const patch = await api(stack, 'PATCH', `/v1/nodes/${id}`, [
      { op: 'add', path: '/instance_info/image_source', value: images.url('full.img') },
      { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${crypto.createHash('sha256').update(full).digest('hex')}` },
    ]);
    assert.equal(patch.status, 200, patch.text);
    await act(stack, id, { target: 'active', configdrive: DRIVE });
    const failed = await rest(stack, id);
    assert.equal(failed.provision_state, 'deploy failed', JSON.stringify(failed.last_error));
    assert.match(failed.last_error, /config drive .*does not fit on the disk after the image's last partition/);
  });

  test('MBR image + a gzip+base64 ISO configdrive: sfdisk verifies the table, a new primary of type 83 is last, cloud-init reads it', async () => {
    const node = lab.nodes[0]!;
    await act(stack, id, { target: 'deleted' });
    await settle(stack, id, 'available');
    const patch = await api(stack, 'PATCH', `/v1/nodes/${id}`, [
      { op: 'add', path: '/instance_info/image_source', value: images.url('mbr.img') },
      { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${crypto.createHash('sha256').update(mbr).digest('hex')}` },
    ]);
    assert.equal(patch.status, 200, patch.text);
    const iso = await buildConfigDriveIso({ ...DRIVE, meta_data: { ...DRIVE.meta_data, uuid: id } }, { uuid: id });
    await act(stack, id, { target: 'active', configdrive: zlib.gzipSync(iso).toString('base64') });
    const done = await settle(stack, id, 'active');
    assert.equal(done.last_error, null);

    const disk = node.diskPath;
    await run('sfdisk', ['--verify', disk]);
    const table = JSON.parse((await run('sfdisk', ['-J', disk])).stdout).partitiontable;
    assert.equal(table.label, 'dos');
    assert.equal(table.partitions.length, 3);
    const last = table.partitions[2];
    assert.equal(last.type, '83');
    assert.ok(last.start >= 6144 + 10240 && last.start + last.size <= DISK / 512, JSON.stringify(table));
    // The client's ISO is the partition's first bytes, as sent.
    const back = Buffer.alloc(iso.length);
    const fd = fs.openSync(disk, 'r');
    fs.readSync(fd, back, 0, back.length, last.start * 512);
    fs.closeSync(fd);
    assert.ok(back.equals(Buffer.from(iso)), "the client's ISO is on the partition");
    assert.deepEqual(await cloudInitRead(work, disk, last.start, last.size), {
      instanceId: id,
      hostname: 'cd-deploy.example.test',
      keys: [KEY],
      userData: USER_DATA,
    });
  });
  test('direct mode: the ramdisk writes the image, then exports its disk for the config drive; cleaning erases the drive', async () => {
    const node = lab.nodes[0]!;
    await act(stack, id, { target: 'deleted' });
    await settle(stack, id, 'available');
    const patch = await api(stack, 'PATCH', `/v1/nodes/${id}`, [
      { op: 'replace', path: '/deploy_interface', value: 'direct' },
      { op: 'add', path: '/instance_info/image_source', value: images.url('gpt.img') },
      { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${crypto.createHash('sha256').update(gpt).digest('hex')}` },
    ]);
    assert.equal(patch.status, 200, patch.text);
    await act(stack, id, { target: 'active', configdrive: DRIVE });
    const done = await settle(stack, id, 'active');
    assert.equal(done.last_error, null);
    const names: string[] = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body.steps.map((s: any) => s.name);
    const at = (n: string) => names.indexOf(n);
    assert.ok(at('wait for the ramdisk to write the image') >= 0, names.join(', '));
    assert.ok(at('wait for the ramdisk to write the image') < at('wait for the ramdisk to export its disk'), names.join(', '));
    assert.ok(at('wait for the ramdisk to export its disk') < at('write the config drive over iSCSI'), names.join(', '));

    const disk = node.diskPath;
    const v = await run('sgdisk', ['-v', disk]);
    assert.match(v.stdout, /No problems found/, `${v.stdout}\n${v.stderr}`);
    const last = JSON.parse((await run('sfdisk', ['-J', disk])).stdout).partitiontable.partitions[2];
    assert.equal(last.name, 'config-2');
    assert.deepEqual(await cloudInitRead(work, disk, last.start, last.size), {
      instanceId: id,
      hostname: 'cd-deploy.example.test',
      keys: [KEY],
      userData: USER_DATA,
    });

    // Undeploy with automated cleaning (metadata): the tenant's drive is gone from the disk, not only its table entry.
    assert.equal((await api(stack, 'PATCH', `/v1/nodes/${id}`, [{ op: 'replace', path: '/automated_clean', value: true }])).status, 200);
    await act(stack, id, { target: 'deleted' });
    await settle(stack, id, 'available');
    const after = Buffer.alloc(last.size * 512);
    const fd = fs.openSync(disk, 'r');
    fs.readSync(fd, after, 0, after.length, last.start * 512);
    fs.closeSync(fd);
    assert.ok(
      after.every((b) => b === 0),
      'the config drive partition is zero after cleaning',
    );
    assert.ok(!fs.readFileSync(disk).includes(Buffer.from(KEY)), 'the SSH key is nowhere on the disk');
  });
});
