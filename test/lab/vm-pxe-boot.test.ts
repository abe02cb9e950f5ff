// A real VM (QEMU, TCG) PXE-boots the ramdisk built by ramdisk/build.sh:
// iPXE ROM → DHCP/TFTP from QEMU's user-mode network → pxelinux.0 →
// pxelinux.cfg/01-<mac> → our kernel + initramfs → rdinit (modules, DHCP) →
// ramdisk/init → tgtd with CHAP → `ready` to this test on the host (10.0.2.2
// from the guest) → iscsi-ls and qemu-img through a host port forward →
// `done` → the guest powers off and QEMU exits.
// Slow (a kernel boot under TCG): runs only with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../activities/shared/repo-root';
import { runCommand } from '../../activities/shared/command-runner';
import { freeTcpPort, startProcess, waitFor, type Proc } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';
import { makeDemoImage } from './demo-image';
import { writeConfig } from './pxe-fixture';

const MiB = 1024 * 1024;
const enabled = process.env.IRONFLOW_VM_TESTS === '1';

describe('real VM: PXE boot of the deploy ramdisk', { skip: enabled ? false : 'set IRONFLOW_VM_TESTS=1 (boots a VM under TCG, ~1 min)' }, () => {
  let work: string;
  let cp: ControlPlaneStub;
  let vm: Proc | undefined;
  const secret = crypto.randomBytes(16).toString('hex');
  const chapSecret = crypto.randomBytes(12).toString('hex');
  const iqn = 'iqn.2026-11.org.ironflow:vm-1';
  const mac = '52:54:00:12:34:56';

  before(async () => {
    const build = await runCommand({ file: 'bash', args: [path.join(repoRoot(), 'ramdisk', 'build.sh')], timeoutMs: 15 * 60000 });
    const kernel = /^kernel: (.*)$/m.exec(build.stdout)?.[1];
    const initrd = /^initramfs: (.*)$/m.exec(build.stdout)?.[1];
    assert.ok(kernel && initrd, `build.sh output: ${build.stdout}`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-pxe-'));
    const root = path.join(work, 'tftp');
    fs.mkdirSync(path.join(root, 'pxelinux.cfg'), { recursive: true });
    fs.mkdirSync(path.join(root, 'deploy'));
    fs.copyFileSync('/usr/lib/PXELINUX/pxelinux.0', path.join(root, 'pxelinux.0'));
    fs.copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', path.join(root, 'ldlinux.c32'));
    fs.copyFileSync(kernel, path.join(root, 'deploy', 'kernel'));
    fs.copyFileSync(initrd, path.join(root, 'deploy', 'initrd'));
    cp = await startControlPlaneStub({ secret });
    const iscsiPort = await freeTcpPort();
    const append = [
      'initrd=deploy/initrd console=ttyS0 quiet',
      'ironflow.deployment=vm-1',
      `ironflow.secret=${secret}`,
      `ironflow.callback=http://10.0.2.2:${cp.port}/v1/ramdisk/vm-1`,
      'ironflow.mode=iscsi',
      `ironflow.iqn=${iqn}`,
      'ironflow.chap_user=vmdeploy',
      `ironflow.chap_secret=${chapSecret}`,
      // The host reaches the guest's portal through a port forward on loopback.
      `ironflow.iscsi_port=${iscsiPort}`,
      'ironflow.iscsi_address=127.0.0.1',
      'ironflow.disk=auto',
    ].join(' ');
    writeConfig(root, mac, `default deploy\nlabel deploy\n  kernel deploy/kernel\n  append ${append}\n`);
    const disk = path.join(work, 'disk.img');
    fs.closeSync(fs.openSync(disk, 'w'));
    fs.truncateSync(disk, 64 * MiB);
    vm = startProcess(
      'qemu-system-x86_64',
      [
        '-accel', 'tcg', '-m', '768', '-display', 'none', '-monitor', 'none', '-serial', `file:${path.join(work, 'console.log')}`,
        '-no-reboot', '-boot', 'n',
        '-netdev', `user,id=n0,tftp=${root},bootfile=pxelinux.0,hostfwd=tcp:127.0.0.1:${iscsiPort}-:${iscsiPort}`,
        '-device', `e1000,netdev=n0,mac=${mac}`,
        '-drive', `file=${disk},format=raw,if=virtio`,
      ],
      { logFile: path.join(work, 'qemu.log') },
    );
  });
  after(async () => {
    await vm?.stop(2000);
    await cp?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('boots to `ready`, takes an image over iSCSI, powers off on `done`', async () => {
    const t0 = Date.now();
    let ready;
    try {
      ready = await Promise.race([
        cp.waitFor('ready', 240000),
        cp.waitFor('error', 240000).then((e) => Promise.reject(new Error(`the ramdisk reported: ${String(e.body.error)}`))),
      ]);
    } catch (e) {
      throw new Error(`${String(e)}\nconsole:\n${fs.readFileSync(path.join(work, 'console.log'), 'utf8').slice(-3000)}`);
    }
    console.log(`# VM power-on → ready: ${ready.at - t0} ms`);
    const port = Number(ready.body.port);
    assert.equal(ready.body.address, '127.0.0.1');
    assert.equal(ready.body.iqn, iqn);
    // Log in straight to the forwarded portal (iscsi-ls would follow SendTargets to
    // the guest's own address, 10.0.2.15, which the host cannot reach).
    const cap = await runCommand({
      file: 'iscsi-readcapacity16',
      args: [`iscsi://vmdeploy@127.0.0.1:${port}/${iqn}/1`],
      secretEnv: { LIBISCSI_CHAP_PASSWORD: chapSecret },
      timeoutMs: 30000,
    });
    assert.match(cap.stdout, /Total size:67108864/);
    await assert.rejects(
      runCommand({
        file: 'iscsi-readcapacity16',
        args: [`iscsi://vmdeploy@127.0.0.1:${port}/${iqn}/1`],
        secretEnv: { LIBISCSI_CHAP_PASSWORD: 'wrong' },
        timeoutMs: 30000,
      }),
      'a wrong CHAP secret is refused',
    );
    const raw = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'vm demo' });
    fs.writeFileSync(path.join(work, 'image.raw'), raw);
    fs.writeFileSync(path.join(work, 'chap'), chapSecret, { mode: 0o600 });
    const tw = Date.now();
    await runCommand({
      file: 'qemu-img',
      args: [
        'convert', '-n', '--object', `secret,id=chap0,file=${path.join(work, 'chap')}`, '-f', 'raw', path.join(work, 'image.raw'),
        '--target-image-opts',
        `driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:${port},file.target=${iqn},file.lun=1,file.user=vmdeploy,file.password-secret=chap0`,
      ],
      timeoutMs: 120000,
    });
    console.log(`# qemu-img 4 MiB into the VM over iSCSI: ${Date.now() - tw} ms`);
    cp.decide = (cb) => ({ command: cb.event === 'poll' ? 'done' : 'wait' });
    await waitFor(async () => vm!.child.exitCode !== null || vm!.child.signalCode !== null, 60000, 'the VM to power off');
    const disk = fs.readFileSync(path.join(work, 'disk.img'));
    assert.ok(disk.subarray(0, raw.length).equals(raw), 'the VM disk holds the image');
  });
});
