// A lab node PXE-boots the deploy ramdisk over real TFTP, exports its disk
// over iSCSI with CHAP (tgtd), calls back `ready`, takes an image written by
// qemu-img through libiscsi, and on `done` stops its target and powers off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { waitFor } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';
import { makeDemoImage } from './demo-image';
import { ipmitool } from './ipmitool';
import { startLab, type Lab } from './lab';
import { prepareTftpRoot, writeDeployConfig } from './pxe-fixture';

const MiB = 1024 * 1024;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe('lab node: iSCSI deploy', () => {
  let lab: Lab;
  let cp: ControlPlaneStub;
  let work: string;
  const secret = crypto.randomBytes(16).toString('hex');
  const chapSecret = crypto.randomBytes(12).toString('hex');
  const iqn = 'iqn.2026-11.org.ironflow:deploy-test-1';

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-iscsi-'));
    cp = await startControlPlaneStub({ secret });
    lab = await startLab({
      nodes: 1,
      dir: path.join(work, 'lab'),
      diskSize: 64 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
    prepareTftpRoot(lab.tftpRoot);
  });
  after(async () => {
    await lab?.stop();
    await cp?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('power on with boot device pxe → ready → iscsi-ls → qemu-img writes → done → disk holds the image', async () => {
    const node = lab.nodes[0]!;
    writeDeployConfig(lab.tftpRoot, node.mac, {
      deployment: 'dep-1',
      secret,
      callback: cp.url('dep-1'),
      mode: 'iscsi',
      iqn,
      chapUser: 'ironflow',
      chapSecret,
    });
    await ipmitool(node.bmc, 'chassis', 'bootdev', 'pxe');
    const t0 = Date.now();
    await ipmitool(node.bmc, 'power', 'on');
    const ready = await cp.waitFor('ready', 20000);
    const readyMs = ready.at - t0;
    console.log(`# lab node power-on → ready: ${readyMs} ms`);
    assert.deepEqual(
      { address: ready.body.address, port: ready.body.port, iqn: ready.body.iqn },
      { address: '127.0.0.1', port: node.iscsiPort, iqn },
    );
    assert.equal(ready.body.deployment, 'dep-1');

    const boot = node.readBoot();
    assert.equal(boot?.source, 'pxe');
    assert.equal(boot?.config, `pxelinux.cfg/01-${node.mac.replace(/:/g, '-')}`);
    assert.equal(boot?.kernel, 'deploy/kernel');
    assert.equal(boot?.ramdisk, true);
    assert.ok(!boot?.append?.includes(secret) && !boot?.append?.includes(chapSecret), 'boot.json does not keep secrets');
    assert.ok(!node.consoleLog().includes(secret) && !node.consoleLog().includes(chapSecret), 'the console log does not show secrets');

    // iscsi-ls with the right CHAP secret lists the target and its 64 MiB LUN.
    const ls = await runCommand({
      file: 'iscsi-ls',
      args: ['-s', `iscsi://ironflow@127.0.0.1:${node.iscsiPort}`],
      secretEnv: { LIBISCSI_CHAP_PASSWORD: chapSecret },
      timeoutMs: 10000,
    });
    assert.match(ls.stdout, new RegExp(`Target:${iqn.replace(/\./g, '\\.')}`));
    // iscsi-ls rounds (last LBA × block size) down: 64 MiB shows as 63M.
    assert.match(ls.stdout, /Lun:1\s+Type:DIRECT_ACCESS \(Size:6[34]M\)/);

    // A wrong CHAP secret is refused.
    await assert.rejects(
      runCommand({
        file: 'iscsi-ls',
        args: ['-s', `iscsi://ironflow@127.0.0.1:${node.iscsiPort}`],
        secretEnv: { LIBISCSI_CHAP_PASSWORD: 'wrong-secret' },
        timeoutMs: 10000,
      }),
    );

    // No CHAP at all is refused too.
    await assert.rejects(
      runCommand({ file: 'iscsi-ls', args: ['-s', `iscsi://127.0.0.1:${node.iscsiPort}`], timeoutMs: 10000 }).then((r) => {
        if (/Lun:1/.test(r.stdout)) throw new Error('listed LUNs without CHAP');
        throw new Error('no LUNs without CHAP');
      }),
      /no LUNs without CHAP|exited/,
    );

    // Write a qcow2 image through qemu-img + libiscsi (CHAP secret from a file).
    const raw = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'lab demo os (iscsi)' });
    fs.writeFileSync(path.join(work, 'image.raw'), raw);
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-f', 'raw', '-O', 'qcow2', path.join(work, 'image.raw'), path.join(work, 'image.qcow2')],
    });
    const secretFile = path.join(work, 'chap');
    fs.writeFileSync(secretFile, chapSecret, { mode: 0o600 });
    const tw = Date.now();
    await runCommand({
      file: 'qemu-img',
      args: [
        'convert',
        '-n',
        '--object',
        `secret,id=chap0,file=${secretFile}`,
        '-f',
        'qcow2',
        path.join(work, 'image.qcow2'),
        '--target-image-opts',
        `driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:${node.iscsiPort},file.target=${iqn},file.lun=1,file.user=ironflow,file.password-secret=chap0`,
      ],
      timeoutMs: 60000,
    });
    console.log(`# qemu-img convert 8 MiB qcow2 → iSCSI: ${Date.now() - tw} ms`);

    // Tell the ramdisk `done`: it stops tgtd and "powers off".
    cp.decide = (cb) => ({ command: cb.event === 'poll' ? 'done' : 'wait' });
    await waitFor(async () => node.power() === 'off', 10000, 'node to power off after done');
    assert.equal(node.ramdiskExit(), 0);
    assert.equal(await portOpen(node.iscsiPort), false, 'the iSCSI portal is gone');
    assert.match((await ipmitool(node.bmc, 'power', 'status')).stdout, /Chassis Power is off/);

    const disk = fs.readFileSync(node.diskPath);
    assert.equal(disk.length, 64 * MiB, 'the disk keeps its size');
    assert.ok(disk.subarray(0, raw.length).equals(raw), 'the disk holds the image bytes');
    assert.ok(
      disk.subarray(raw.length).every((b) => b === 0),
      'nothing written past the image',
    );

    // Seq numbers increase; every callback carried the deployment id.
    const seqs = cp.callbacks.map((c) => c.seq);
    assert.deepEqual(
      [...seqs].sort((a, b) => a - b),
      seqs,
    );
    assert.equal(new Set(seqs).size, seqs.length);
  });

  test('boot device disk afterwards boots the written image', async () => {
    const node = lab.nodes[0]!;
    await ipmitool(node.bmc, 'power', 'off');
    await ipmitool(node.bmc, 'chassis', 'bootdev', 'disk');
    await ipmitool(node.bmc, 'power', 'on');
    const boot = await waitFor(async () => (node.readBoot()?.source === 'disk' ? node.readBoot() : undefined), 5000, 'disk boot');
    assert.equal(boot.bootable, true);
    assert.equal(boot.marker, 'lab demo os (iscsi)');
    await ipmitool(node.bmc, 'power', 'off');
  });
});
