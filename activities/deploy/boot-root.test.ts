// prepareBootRoot against the real Debian files (pxelinux, syslinux-common, ipxe).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderIpxeChainScript } from '../pxe';
import { BOOT_ROOT_FILES, prepareBootRoot } from './boot-root';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boot-root-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('BIOS and UEFI boot files, and boot.ipxe chaining to the per-MAC script', () => {
  const root = path.join(dir, 'a');
  assert.deepEqual(prepareBootRoot(root), []);
  for (const [src, name] of BOOT_ROOT_FILES) assert.ok(fs.readFileSync(path.join(root, name)).equals(fs.readFileSync(src)), name);
  assert.equal(fs.readFileSync(path.join(root, 'boot.ipxe'), 'utf8'), renderIpxeChainScript());
  assert.match(fs.readFileSync(path.join(root, 'boot.ipxe'), 'utf8'), /^chain \/ipxe\.cfg\/\$\{mac:hexhyp\} \|\| exit 0$/m);
  // The EFI binaries are PE images (MZ) for x86-64 (machine 0x8664).
  for (const efi of ['snponly.efi', 'ipxe.efi']) {
    const b = fs.readFileSync(path.join(root, efi));
    assert.equal(b.subarray(0, 2).toString(), 'MZ', efi);
    assert.equal(b.readUInt16LE(b.readUInt32LE(0x3c) + 4), 0x8664, efi);
  }
  assert.ok(fs.statSync(path.join(root, 'pxelinux.cfg')).isDirectory());
  assert.ok(fs.statSync(path.join(root, 'ipxe.cfg')).isDirectory());
});

test('idempotent: a second run rewrites nothing; a damaged file is put right; no temp files left', () => {
  const root = path.join(dir, 'b');
  prepareBootRoot(root);
  const inode = (f: string) => fs.statSync(path.join(root, f)).ino;
  const before = Object.fromEntries(['snponly.efi', 'boot.ipxe', 'pxelinux.0'].map((f) => [f, inode(f)]));
  prepareBootRoot(root);
  for (const [f, ino] of Object.entries(before)) assert.equal(inode(f), ino, `${f} was rewritten`);
  fs.writeFileSync(path.join(root, 'snponly.efi'), 'truncated');
  fs.writeFileSync(path.join(root, 'boot.ipxe'), '#!ipxe\nshell\n');
  prepareBootRoot(root);
  assert.ok(fs.readFileSync(path.join(root, 'snponly.efi')).equals(fs.readFileSync('/usr/lib/ipxe/snponly.efi')));
  assert.equal(fs.readFileSync(path.join(root, 'boot.ipxe'), 'utf8'), renderIpxeChainScript());
  assert.deepEqual(
    fs.readdirSync(root).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('a missing source is reported and the rest is still placed', () => {
  const root = path.join(dir, 'c');
  const missing = prepareBootRoot(root, [
    ['/nonexistent/ipxe.efi', 'ipxe.efi'],
    ['/usr/lib/ipxe/snponly.efi', 'snponly.efi'],
  ]);
  assert.deepEqual(missing, ['/nonexistent/ipxe.efi']);
  assert.ok(fs.existsSync(path.join(root, 'snponly.efi')));
  assert.ok(!fs.existsSync(path.join(root, 'ipxe.efi')));
  assert.ok(fs.existsSync(path.join(root, 'boot.ipxe')));
});

test('with an HTTP boot URL, boot.ipxe chains over HTTP', () => {
  const root = path.join(dir, 'http');
  prepareBootRoot(root, BOOT_ROOT_FILES, 'http://10.9.0.1:8080/');
  assert.match(
    fs.readFileSync(path.join(root, 'boot.ipxe'), 'utf8'),
    /^chain http:\/\/10\.9\.0\.1:8080\/ipxe\.cfg\/\$\{mac:hexhyp\} \|\| exit 0$/m,
  );
});
