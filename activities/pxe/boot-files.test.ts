import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../shared/command-runner';
import { freeUdpPort, startProcess } from '#test/support/procs';
import { removeBootConfigs, writeBootConfigs, type BootSpec } from './boot-files';
import { renderPxelinuxConfig } from './render';

const MACS = ['52:54:00:12:34:56', '52:54:00:AB:CD:EF'];

describe('boot files', () => {
  let base: string;
  let root: string;
  let kernel: string;
  let ramdisk: string;
  let deploy: BootSpec;
  before(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-boot-')));
    root = path.join(base, 'tftp');
    fs.mkdirSync(root);
    kernel = path.join(base, 'vmlinuz');
    ramdisk = path.join(base, 'initrd');
    fs.writeFileSync(kernel, crypto.randomBytes(100_000));
    fs.writeFileSync(ramdisk, crypto.randomBytes(300_000));
    deploy = {
      kind: 'deploy',
      kernelFile: kernel,
      ramdiskFile: ramdisk,
      deploymentId: 'dep-1',
      secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
      callbackUrl: 'http://10.0.2.2:6385/v1/heartbeat/dep-1',
      mode: 'iscsi',
      iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-1', port: 3260 },
    };
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  test('writes pxelinux and iPXE files per MAC and stages kernel/ramdisk under content hashes', async () => {
    const r = await writeBootConfigs(root, { macs: MACS, boot: deploy });
    const kHash = crypto.createHash('sha256').update(fs.readFileSync(kernel)).digest('hex');
    assert.equal(r.kernel, `ironflow/boot/${kHash}.kernel`);
    assert.ok(fs.readFileSync(path.join(root, r.kernel)).equals(fs.readFileSync(kernel)));
    assert.ok(fs.readFileSync(path.join(root, r.ramdisk!)).equals(fs.readFileSync(ramdisk)));
    assert.deepEqual(r.files, [
      'pxelinux.cfg/01-52-54-00-12-34-56',
      'ipxe.cfg/52-54-00-12-34-56',
      'pxelinux.cfg/01-52-54-00-ab-cd-ef',
      'ipxe.cfg/52-54-00-ab-cd-ef',
    ]);
    const cfg = fs.readFileSync(path.join(root, 'pxelinux.cfg/01-52-54-00-ab-cd-ef'), 'utf8');
    const { kernelFile: _k, ramdiskFile: _r, ...params } = deploy as Extract<BootSpec, { kind: 'deploy' }>;
    assert.equal(cfg, renderPxelinuxConfig({ ...params, kernel: r.kernel!, ramdisk: r.ramdisk! }));
    assert.equal(fs.statSync(path.join(root, 'pxelinux.cfg/01-52-54-00-ab-cd-ef')).mode & 0o777, 0o644);
  });

  test('is idempotent: a second identical write changes nothing and leaves no temp files', async () => {
    const file = path.join(root, 'pxelinux.cfg/01-52-54-00-12-34-56');
    const before = fs.statSync(file);
    await new Promise((r) => setTimeout(r, 20));
    await writeBootConfigs(root, { macs: MACS, boot: deploy });
    assert.equal(fs.statSync(file).mtimeMs, before.mtimeMs);
    assert.equal(fs.statSync(file).ino, before.ino);
    for (const d of ['pxelinux.cfg', 'ipxe.cfg', 'ironflow/boot']) {
      assert.deepEqual(
        fs.readdirSync(path.join(root, d)).filter((n) => n.endsWith('.tmp')),
        [],
      );
    }
  });

  test('switching to local boot rewrites the files', async () => {
    await writeBootConfigs(root, { macs: MACS, boot: { kind: 'local' } });
    assert.match(fs.readFileSync(path.join(root, 'pxelinux.cfg/01-52-54-00-12-34-56'), 'utf8'), /localboot 0/);
    assert.match(fs.readFileSync(path.join(root, 'ipxe.cfg/52-54-00-12-34-56'), 'utf8'), /sanboot/);
  });

  test('invalid parameters write nothing', async () => {
    const fresh = path.join(base, 'fresh');
    fs.mkdirSync(fresh);
    await assert.rejects(
      writeBootConfigs(fresh, { macs: MACS, boot: { ...deploy, callbackUrl: 'http://x/ y' } as BootSpec }),
      /callback URL/,
    );
    await assert.rejects(writeBootConfigs(fresh, { macs: ['../../etc/passwd'], boot: { kind: 'local' } }), /invalid MAC/);
    assert.deepEqual(fs.readdirSync(fresh), []);
  });

  test('refuses to write through a symlinked directory that leaves the root', async () => {
    const evilRoot = path.join(base, 'evil-root');
    const outside = path.join(base, 'outside');
    fs.mkdirSync(evilRoot);
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(evilRoot, 'pxelinux.cfg'));
    await assert.rejects(writeBootConfigs(evilRoot, { macs: MACS, boot: { kind: 'local' } }), /outside the boot root/);
    assert.deepEqual(fs.readdirSync(outside), []);
    await assert.rejects(removeBootConfigs(evilRoot, MACS), /outside the boot root/);
  });

  test('removeBootConfigs removes per-MAC files and is idempotent', async () => {
    const removed = await removeBootConfigs(root, [MACS[0]]);
    assert.deepEqual(removed, ['pxelinux.cfg/01-52-54-00-12-34-56', 'ipxe.cfg/52-54-00-12-34-56']);
    assert.equal(fs.existsSync(path.join(root, 'pxelinux.cfg/01-52-54-00-12-34-56')), false);
    assert.equal(fs.existsSync(path.join(root, 'pxelinux.cfg/01-52-54-00-ab-cd-ef')), true);
    assert.deepEqual(await removeBootConfigs(root, [MACS[0]]), []);
    assert.deepEqual(await removeBootConfigs(path.join(base, 'fresh'), MACS), []);
  });

  test('a real TFTP server serves the written config and the staged kernel', async () => {
    const r = await writeBootConfigs(root, { macs: [MACS[1]], boot: deploy });
    const port = await freeUdpPort();
    const tftpd = startProcess('in.tftpd', ['-L', '-a', `127.0.0.1:${port}`, '-s', root], { logFile: path.join(base, 'tftpd.log') });
    try {
      await new Promise((res) => setTimeout(res, 300));
      const out = path.join(base, 'got');
      for (const [remote, local] of [
        ['pxelinux.cfg/01-52-54-00-ab-cd-ef', path.join(root, 'pxelinux.cfg/01-52-54-00-ab-cd-ef')],
        [r.kernel!, kernel],
      ]) {
        fs.rmSync(out, { force: true });
        await runCommand({ file: 'tftp', args: ['-m', 'binary', '127.0.0.1', String(port), '-c', 'get', remote, out], timeoutMs: 10_000 });
        assert.ok(fs.readFileSync(out).equals(fs.readFileSync(local)), remote);
      }
    } finally {
      await tftpd.stop();
    }
  });
});
