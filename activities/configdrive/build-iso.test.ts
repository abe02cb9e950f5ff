import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isoVolumeId } from '#workflows/domain/config-drive';
import { runCommand } from '../shared/command-runner';
import { buildConfigDriveIso } from './build-iso';
import { configDriveFiles, configDriveMetaData, isHostName } from './layout';

const NODE = { uuid: '1be26c0b-03f2-4d2e-ae87-c02d7f33c123', name: 'web-01' };

test('meta_data defaults: uuid and name from the node as Ironic; hostname from a name that is a host name', () => {
  assert.deepEqual(configDriveMetaData({}, NODE), { uuid: NODE.uuid, name: 'web-01', hostname: 'web-01' });
  assert.deepEqual(configDriveMetaData({ meta_data: { uuid: 'u', name: 'n', hostname: 'h' } }, NODE), {
    uuid: 'u',
    name: 'n',
    hostname: 'h',
  });
  assert.deepEqual(configDriveMetaData({}, { uuid: 'u', name: 'web_01' }), { uuid: 'u', name: 'web_01' });
  assert.deepEqual(configDriveMetaData({}, { uuid: 'u', name: null }), { uuid: 'u' });
  for (const ok of ['a', 'web-01', 'a.example.test', 'x'.repeat(63)]) assert.ok(isHostName(ok), ok);
  for (const bad of ['', '-a', 'a-', 'a_b', 'a..b', 'x'.repeat(64), 'a b']) assert.ok(!isHostName(bad), bad);
});

test('the files: both versions Ironic writes; user_data as given or JSON-encoded; empty parts left out', () => {
  const files = configDriveFiles({ user_data: { runcmd: ['true'] }, network_data: { links: [] }, vendor_data: { a: 1 } }, NODE);
  assert.deepEqual(
    files.map((f) => f.path),
    ['2012-08-10', 'latest'].flatMap((v) =>
      ['meta_data.json', 'user_data', 'network_data.json', 'vendor_data2.json'].map((n) => `openstack/${v}/${n}`),
    ),
  );
  assert.equal(files.find((f) => f.path === 'openstack/latest/user_data')?.content, '{"runcmd":["true"]}');
  const text = configDriveFiles({ user_data: '#cloud-config\n' }, NODE);
  assert.equal(text.find((f) => f.path === 'openstack/latest/user_data')?.content, '#cloud-config\n');
  for (const doc of [{}, { user_data: null }, { user_data: '' }, { network_data: {}, vendor_data: {} }]) {
    assert.deepEqual(
      configDriveFiles(doc, NODE).map((f) => path.basename(f.path)),
      ['meta_data.json', 'meta_data.json'],
    );
  }
});

test('buildConfigDriveIso: a config-2 ISO with the layout, byte-identical when built again; its temp dir is removed', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-cd-build-'));
  try {
    const doc = { meta_data: { public_keys: { default: 'ssh-ed25519 AAAAC3Nz test' } }, user_data: '#!/bin/sh\necho secret-token\n' };
    const iso = await buildConfigDriveIso(doc, NODE, { tmpDir: parent });
    assert.equal(isoVolumeId(iso), 'config-2');
    assert.deepEqual(fs.readdirSync(parent), [], 'the private temp dir is gone');
    const again = await buildConfigDriveIso(doc, NODE, { tmpDir: parent });
    assert.ok(Buffer.from(again).equals(Buffer.from(iso)), 'reproducible');
    const other = await buildConfigDriveIso({ ...doc, user_data: 'other' }, NODE, { tmpDir: parent });
    assert.ok(!Buffer.from(other).equals(Buffer.from(iso)));

    const isoFile = path.join(parent, 'cd.iso');
    const out = path.join(parent, 'out');
    fs.writeFileSync(isoFile, iso);
    await runCommand({ file: 'xorriso', args: ['-osirrox', 'on', '-indev', isoFile, '-extract', '/', out] });
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'openstack/latest/meta_data.json'), 'utf8'));
    assert.deepEqual(meta, { public_keys: { default: 'ssh-ed25519 AAAAC3Nz test' }, uuid: NODE.uuid, name: 'web-01', hostname: 'web-01' });
    assert.equal(fs.readFileSync(path.join(out, 'openstack/2012-08-10/user_data'), 'utf8'), doc.user_data);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});

test('buildConfigDriveIso removes its temp dir when xorriso fails', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-cd-build-'));
  const saved = process.env.PATH;
  try {
    process.env.PATH = parent; // no xorriso here
    await assert.rejects(buildConfigDriveIso({}, NODE, { tmpDir: parent }), /xorriso/);
    process.env.PATH = saved;
    assert.deepEqual(fs.readdirSync(parent), []);
  } finally {
    process.env.PATH = saved;
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
