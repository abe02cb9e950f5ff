// Every place a user value becomes a file path stays inside its root: boot files
// named in driver_info/instance_info, per-MAC boot configs and DHCP host files,
// and the image cache's per-node links.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bootFileDirs, resolveBootFile } from './boot-file-source';
import { writeDhcpHosts } from './dhcp-hosts';
import { ipxeScriptFileName, pxeConfigFileName, writeBootConfigs, InvalidBootParameterError } from '../pxe';
import { ImageCache } from '../images';

/** Values an attacker might give as a MAC, a node uuid or a file name. */
const HOSTILE = [
  '../../etc/passwd',
  '..',
  '.',
  '/etc/shadow',
  '..%2f..%2fetc',
  'aa:bb:cc:dd:ee:ff/../../x',
  'aa:bb:cc:dd:ee:ff\n',
  'aa:bb:cc:dd:ee:ff\0',
  '\\..\\..\\x',
  'aa-bb-cc-dd-ee-ff',
  '',
  ' ',
  'a'.repeat(300),
  '%2e%2e',
];

describe('boot files named by users (deploy_kernel, kernel, ...)', () => {
  let base: string;
  let images: string;
  let ramdiskDir: string;
  let dirs: string[];
  before(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bootsrc-')));
    images = path.join(base, 'image-store');
    ramdiskDir = path.join(base, 'ramdisk');
    fs.mkdirSync(path.join(images, 'k'), { recursive: true });
    fs.mkdirSync(ramdiskDir);
    fs.writeFileSync(path.join(images, 'k', 'vmlinuz'), 'kernel');
    fs.writeFileSync(path.join(ramdiskDir, 'kernel'), 'default kernel');
    fs.writeFileSync(path.join(base, 'secret'), 'password hashes');
    fs.symlinkSync(path.join(base, 'secret'), path.join(images, 'escape'));
    fs.symlinkSync(path.join(images, 'k', 'vmlinuz'), path.join(images, 'inside'));
    fs.symlinkSync(base, path.join(images, 'up'));
    dirs = bootFileDirs({
      imageDir: images,
      deployKernel: path.join(ramdiskDir, 'kernel'),
      deployRamdisk: path.join(ramdiskDir, 'initrd'),
    });
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  test('the allowed directories: the image directory and the default ramdisk directory', () => {
    assert.deepEqual(dirs, [images, ramdiskDir]);
  });

  test('unset means the configured default; files inside (also via symlinks that stay inside) resolve to their real path', async () => {
    assert.equal(await resolveBootFile('driver_info.deploy_kernel', undefined, '/configured', dirs), '/configured');
    assert.equal(await resolveBootFile('driver_info.deploy_kernel', '', '/configured', dirs), '/configured');
    const real = path.join(images, 'k', 'vmlinuz');
    assert.equal(await resolveBootFile('driver_info.deploy_kernel', real, '', dirs), real);
    assert.equal(await resolveBootFile('driver_info.deploy_kernel', `file://${real}`, '', dirs), real);
    assert.equal(await resolveBootFile('instance_info.kernel', path.join(images, 'inside'), '', dirs), real);
    assert.equal(
      await resolveBootFile('driver_info.deploy_kernel', path.join(ramdiskDir, 'kernel'), '', dirs),
      path.join(ramdiskDir, 'kernel'),
    );
  });

  test('nothing outside the allowed directories, however it is spelled', async () => {
    const cases: [unknown, RegExp][] = [
      ['/etc/passwd', /outside the directories boot files may come from/],
      [path.join(base, 'secret'), /outside/],
      [path.join(images, 'escape'), /outside/], // a symlink pointing out
      [path.join(images, 'up', 'secret'), /outside/], // a symlinked directory pointing out
      [`file://${images}/up/secret`, /outside/],
      [`${images}/../secret`, /\.\. segment/],
      [`file://${images}/..%2fsecret`, /\.\. segment/],
      [`file://${images}/%2e%2e/secret`, /\.\. segment/],
      ['secret', /not an absolute path/],
      ['http://169.254.169.254/kernel', /not supported/],
      [`file://otherhost${images}/k/vmlinuz`, /only local files/],
      [path.join(images, 'k'), /not a regular file/],
      [path.join(images, 'missing'), /does not exist on the worker/],
      [42, /non-empty string/],
    ];
    for (const [v, msg] of cases) {
      await assert.rejects(resolveBootFile('driver_info.deploy_kernel', v, '/configured', dirs), (e: unknown) => {
        assert.ok(e instanceof InvalidBootParameterError, `${String(v)}: ${String(e)}`);
        assert.equal(e.retryable, false);
        assert.match(e.message, msg, String(v));
        assert.match(e.message, /driver_info\.deploy_kernel/);
        return true;
      });
    }
  });
});

describe('path builders: per-MAC boot files, DHCP hosts, cache links', () => {
  let root: string;
  before(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-paths-')));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('boot config names are refused for anything but a MAC, and stay inside the root for every MAC', () => {
    for (const bad of HOSTILE) {
      assert.throws(() => pxeConfigFileName(bad), InvalidBootParameterError, JSON.stringify(bad));
      assert.throws(() => ipxeScriptFileName(bad), InvalidBootParameterError, JSON.stringify(bad));
    }
    for (let i = 0; i < 200; i++) {
      const mac = Array.from({ length: 6 }, () =>
        Math.floor(Math.random() * 256)
          .toString(16)
          .padStart(2, '0'),
      ).join(':');
      for (const rel of [pxeConfigFileName(mac), ipxeScriptFileName(mac.toUpperCase())]) {
        assert.ok(path.resolve(root, rel).startsWith(root + path.sep), rel);
        assert.ok(!rel.includes('..'), rel);
      }
    }
  });

  test('writing boot configs or DHCP hosts with a hostile MAC writes nothing anywhere', async () => {
    const boot = path.join(root, 'tftp');
    const hosts = path.join(root, 'hosts');
    fs.mkdirSync(boot);
    for (const bad of HOSTILE) {
      await assert.rejects(writeBootConfigs(boot, { macs: [bad], boot: { kind: 'local' } }), InvalidBootParameterError);
      await assert.rejects(writeDhcpHosts(hosts, [bad]), InvalidBootParameterError);
    }
    const files = fs.readdirSync(root, { recursive: true }).map(String);
    assert.deepEqual(
      files.filter((f) => !fs.statSync(path.join(root, f)).isDirectory()),
      [],
      'no file was written',
    );
  });

  test("the image cache's per-node names refuse anything but a plain holder id and key", async () => {
    const cache = new ImageCache({ root: path.join(root, 'cache') });
    const key = `sha256-${'a'.repeat(64)}`;
    for (const bad of [...HOSTILE.filter((h) => h !== 'aa-bb-cc-dd-ee-ff'), '-x', '.hidden']) {
      // a dashed MAC is a fine holder id
      await assert.rejects(cache.linkFor(key, bad), /invalid cache holder id/, JSON.stringify(bad));
      await assert.rejects(cache.pin(key, bad), /invalid cache holder id/, JSON.stringify(bad));
    }
    for (const bad of ['../../x', `sha256-${'a'.repeat(64)}/..`, 'md5-..', '']) {
      await assert.rejects(cache.linkFor(bad, 'node-1'), /invalid image cache key/, bad);
    }
  });
});
