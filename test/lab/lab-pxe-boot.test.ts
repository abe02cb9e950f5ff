// How a lab node's firmware follows the PXE config it fetches over TFTP:
// per-MAC file first, then `default`; `localboot` boots the disk; a kernel
// that is not the deploy kernel is recorded as booted from the network; a
// missing bootloader is a boot error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeUdpPort, waitFor } from '../support/procs';
import { makeDemoImage } from './demo-image';
import { ipmitool } from './ipmitool';
import { startLab, type Lab, type LabNode } from './lab';
import { prepareTftpRoot, writeConfig } from './pxe-fixture';
import { startTftpServer } from './tftp-server';

describe('lab node: PXE boot', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({
      nodes: 2,
      dir: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-pxe-')), 'lab'),
      diskSize: 4 * 1024 * 1024,
    });
    prepareTftpRoot(lab.tftpRoot);
  });
  after(async () => {
    await lab?.stop();
    if (lab) fs.rmSync(path.dirname(lab.dir), { recursive: true, force: true });
  });

  async function pxeBoot(node: LabNode) {
    const before = node.bootHistory().length;
    await ipmitool(node.bmc, 'power', 'off');
    await ipmitool(node.bmc, 'chassis', 'bootdev', 'pxe');
    await ipmitool(node.bmc, 'power', 'on');
    await waitFor(async () => node.bootHistory().length > before, 10000, `${node.name} to boot`);
    return node.readBoot()!;
  }

  test('localboot in the per-MAC config boots the disk and reports its marker', async () => {
    const node = lab.nodes[0]!;
    const img = makeDemoImage({ sizeBytes: 64 * 1024, marker: 'demo 3.1 (localboot)' });
    const fd = fs.openSync(node.diskPath, 'r+');
    fs.writeSync(fd, img, 0, img.length, 0);
    fs.closeSync(fd);
    writeConfig(lab.tftpRoot, node.mac, 'default local\nlabel local\n  localboot 0\n');
    const boot = await pxeBoot(node);
    assert.deepEqual(
      { source: boot.source, via: boot.via, bootable: boot.bootable, marker: boot.marker },
      {
        source: 'disk',
        via: 'pxe-localboot',
        bootable: true,
        marker: 'demo 3.1 (localboot)',
      },
    );
    assert.equal(node.power(), 'on', 'the booted OS keeps running');
  });

  test('without a per-MAC file the node falls back to pxelinux.cfg/default and picks the default label', async () => {
    const node = lab.nodes[1]!;
    fs.writeFileSync(
      path.join(lab.tftpRoot, 'pxelinux.cfg', 'default'),
      [
        'DEFAULT user',
        'LABEL rescue',
        '  KERNEL deploy/kernel',
        '  APPEND rescue',
        'LABEL user',
        '  KERNEL deploy/kernel',
        '  INITRD deploy/initrd',
        '  APPEND root=/dev/sda1 console=ttyS0',
        '',
      ].join('\n'),
    );
    fs.chmodSync(path.join(lab.tftpRoot, 'pxelinux.cfg', 'default'), 0o644);
    const boot = await pxeBoot(node);
    assert.deepEqual(
      { source: boot.source, config: boot.config, kernel: boot.kernel, initrd: boot.initrd, append: boot.append, ramdisk: boot.ramdisk },
      {
        source: 'pxe',
        config: 'pxelinux.cfg/default',
        kernel: 'deploy/kernel',
        initrd: 'deploy/initrd',
        append: 'root=/dev/sda1 console=ttyS0',
        ramdisk: false,
      },
    );
  });

  test('a kernel that is not on the TFTP server is a boot error', async () => {
    const node = lab.nodes[1]!;
    writeConfig(lab.tftpRoot, node.mac, 'default x\nlabel x\n  kernel nowhere/vmlinuz\n  append quiet\n');
    const boot = await pxeBoot(node);
    assert.equal(boot.source, 'pxe');
    assert.match(boot.error ?? '', /cannot fetch kernel nowhere\/vmlinuz/);
  });

  test('without pxelinux.0 on the TFTP server nothing boots', async () => {
    const node = lab.nodes[1]!;
    fs.rmSync(path.join(lab.tftpRoot, 'pxelinux.0'));
    try {
      const boot = await pxeBoot(node);
      assert.match(boot.error ?? '', /cannot fetch pxelinux\.0/);
    } finally {
      prepareTftpRoot(lab.tftpRoot);
    }
  });

  test('a lab can boot from a TFTP server it did not start', async () => {
    const root = path.join(path.dirname(lab.dir), 'external-tftp');
    fs.mkdirSync(root, { recursive: true });
    const server = await startTftpServer({
      root,
      port: await freeUdpPort(),
      logFile: path.join(path.dirname(lab.dir), 'external-tftpd.log'),
    });
    const other = await startLab({
      nodes: 1,
      dir: path.join(path.dirname(lab.dir), 'lab2'),
      diskSize: 1024 * 1024,
      externalTftpPort: server.port,
      tftpRoot: root,
    });
    try {
      assert.equal(other.processes.length, 1, 'only the BMC: no tftpd of its own');
      prepareTftpRoot(root);
      writeConfig(root, other.nodes[0]!.mac, 'default x\nlabel x\n  kernel deploy/kernel\n  append console=ttyS0\n');
      const boot = await pxeBoot(other.nodes[0]!);
      assert.equal(boot.kernel, 'deploy/kernel');
      assert.equal(boot.error, undefined);
    } finally {
      await other.stop();
      await server.stop();
    }
  });

  test('power reset reboots: the node boots again', async () => {
    const node = lab.nodes[0]!;
    const before = node.bootHistory().length;
    await ipmitool(node.bmc, 'power', 'reset');
    await waitFor(async () => node.bootHistory().length === before + 1, 10000, 'a second boot');
    assert.equal(node.power(), 'on');
  });
});
