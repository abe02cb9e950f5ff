// A real VM (QEMU, TCG) PXE-boots the ramdisk built by ramdisk/build.sh:
// iPXE ROM → DHCP/TFTP from QEMU's user-mode network → pxelinux.0 →
// pxelinux.cfg/01-<mac> → our kernel + initramfs → rdinit (modules, DHCP) →
// ramdisk/init → callbacks to this test on the host (10.0.2.2 from the guest).
// iscsi mode: tgtd with CHAP, reached through a host port forward, written by
// qemu-img; direct mode: busybox wget from an HTTP server on the host onto
// /dev/vda with a read-back checksum. `done` → the guest powers off, QEMU exits.
// Slow (kernel boots under TCG): runs only with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { freeTcpPort, startProcess, waitFor, type Proc } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub, type RamdiskCallback } from './control-plane-stub';
import { makeDemoImage } from './demo-image';
import { startImageServer, type ImageServer } from './image-server';
import { writeConfig } from './pxe-fixture';
import { buildDeployRamdisk } from './vm-prerequisites';

const MiB = 1024 * 1024;
const enabled = process.env.IRONFLOW_VM_TESTS === '1';
const MAC = '52:54:00:12:34:56';

interface Vm {
  proc: Proc;
  disk: string;
  console: string;
}

describe(
  'real VM: PXE boot of the deploy ramdisk',
  { skip: enabled ? false : 'set IRONFLOW_VM_TESTS=1 (boots VMs under TCG, ~1-2 min each)' },
  () => {
    let work: string;
    let root: string;
    let cp: ControlPlaneStub;
    let images: ImageServer;
    const vms: Vm[] = [];
    const secret = crypto.randomBytes(16).toString('hex');

    before(async () => {
      const { kernel, initrd } = await buildDeployRamdisk();
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-pxe-'));
      root = path.join(work, 'tftp');
      fs.mkdirSync(path.join(root, 'pxelinux.cfg'), { recursive: true });
      fs.mkdirSync(path.join(root, 'deploy'));
      fs.copyFileSync('/usr/lib/PXELINUX/pxelinux.0', path.join(root, 'pxelinux.0'));
      fs.copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', path.join(root, 'ldlinux.c32'));
      fs.copyFileSync(kernel, path.join(root, 'deploy', 'kernel'));
      fs.copyFileSync(initrd, path.join(root, 'deploy', 'initrd'));
      cp = await startControlPlaneStub({ secret });
      images = await startImageServer();
    });
    after(async () => {
      for (const vm of vms) await vm.proc.stop(2000);
      await cp?.stop();
      await images?.stop();
      if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    /** Writes the node's pxelinux config and boots a VM with a fresh 64 MiB virtio disk. */
    function bootVm(name: string, params: string[], hostfwdPort?: number): Vm {
      const append = [
        'initrd=deploy/initrd console=ttyS0 quiet',
        `ironflow.deployment=${name}`,
        `ironflow.secret=${secret}`,
        `ironflow.callback=http://10.0.2.2:${cp.port}/v1/ramdisk/${name}`,
        'ironflow.disk=auto',
        ...params,
      ].join(' ');
      writeConfig(root, MAC, `default deploy\nlabel deploy\n  kernel deploy/kernel\n  append ${append}\n`);
      const disk = path.join(work, `${name}.img`);
      fs.closeSync(fs.openSync(disk, 'w'));
      fs.truncateSync(disk, 64 * MiB);
      const consoleLog = path.join(work, `${name}.console.log`);
      const fwd = hostfwdPort ? `,hostfwd=tcp:127.0.0.1:${hostfwdPort}-:${hostfwdPort}` : '';
      const proc = startProcess(
        'qemu-system-x86_64',
        [
          '-accel',
          'tcg',
          '-m',
          '768',
          '-display',
          'none',
          '-monitor',
          'none',
          '-serial',
          `file:${consoleLog}`,
          '-no-reboot',
          '-boot',
          'n',
          '-netdev',
          `user,id=n0,tftp=${root},bootfile=pxelinux.0${fwd}`,
          '-device',
          `e1000,netdev=n0,mac=${MAC}`,
          '-drive',
          `file=${disk},format=raw,if=virtio`,
        ],
        { logFile: path.join(work, `${name}.qemu.log`) },
      );
      const vm = { proc, disk, console: consoleLog };
      vms.push(vm);
      return vm;
    }

    async function waitEvent(vm: Vm, deployment: string, event: string): Promise<RamdiskCallback> {
      const mine = (c: RamdiskCallback) => c.body.deployment === deployment;
      try {
        const cb = await cp.waitFor([event, 'error'], 300000, mine);
        if (cb.event === 'error') throw new Error(`the ramdisk reported: ${String(cb.body.error)}`);
        return cb;
      } catch (e) {
        throw new Error(`${String(e)}\nconsole:\n${fs.existsSync(vm.console) ? fs.readFileSync(vm.console, 'utf8').slice(-3000) : ''}`);
      }
    }

    async function finish(vm: Vm, deployment: string) {
      cp.decide = (cb) => ({ command: cb.event === 'poll' && cb.body.deployment === deployment ? 'done' : 'wait' });
      await waitFor(async () => vm.proc.child.exitCode !== null || vm.proc.child.signalCode !== null, 60000, 'the VM to power off');
    }

    test('iscsi: boots to `ready`, takes an image over iSCSI with CHAP, powers off on `done`', async () => {
      const iqn = 'iqn.2026-11.org.ironflow:vm-1';
      const chapSecret = crypto.randomBytes(12).toString('hex');
      const port = await freeTcpPort();
      const t0 = Date.now();
      const vm = bootVm(
        'vm-iscsi',
        [
          'ironflow.mode=iscsi',
          `ironflow.iqn=${iqn}`,
          'ironflow.chap_user=vmdeploy',
          `ironflow.chap_secret=${chapSecret}`,
          // The host reaches the guest's portal through a port forward on loopback.
          `ironflow.iscsi_port=${port}`,
          'ironflow.iscsi_address=127.0.0.1',
        ],
        port,
      );
      const ready = await waitEvent(vm, 'vm-iscsi', 'ready');
      console.log(`# VM power-on → ready: ${ready.at - t0} ms`);
      assert.deepEqual({ address: ready.body.address, port: ready.body.port, iqn: ready.body.iqn }, { address: '127.0.0.1', port, iqn });
      // Log in straight to the forwarded portal (iscsi-ls would follow SendTargets to
      // the guest's own address, 10.0.2.15, which the host cannot reach).
      const url = `iscsi://vmdeploy@127.0.0.1:${port}/${iqn}/1`;
      const cap = await runCommand({
        file: 'iscsi-readcapacity16',
        args: [url],
        secretEnv: { LIBISCSI_CHAP_PASSWORD: chapSecret },
        timeoutMs: 30000,
      });
      assert.match(cap.stdout, /Total size:67108864/);
      await assert.rejects(
        runCommand({ file: 'iscsi-readcapacity16', args: [url], secretEnv: { LIBISCSI_CHAP_PASSWORD: 'wrong' }, timeoutMs: 30000 }),
      );
      const raw = makeDemoImage({ sizeBytes: 4 * MiB, marker: 'vm demo' });
      fs.writeFileSync(path.join(work, 'image.raw'), raw);
      fs.writeFileSync(path.join(work, 'chap'), chapSecret, { mode: 0o600 });
      const tw = Date.now();
      await runCommand({
        file: 'qemu-img',
        args: [
          'convert',
          '-n',
          '--object',
          `secret,id=chap0,file=${path.join(work, 'chap')}`,
          '-f',
          'raw',
          path.join(work, 'image.raw'),
          '--target-image-opts',
          `driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:${port},file.target=${iqn},file.lun=1,file.user=vmdeploy,file.password-secret=chap0`,
        ],
        timeoutMs: 120000,
      });
      console.log(`# qemu-img 4 MiB into the VM over iSCSI: ${Date.now() - tw} ms`);
      await finish(vm, 'vm-iscsi');
      assert.ok(fs.readFileSync(vm.disk).subarray(0, raw.length).equals(raw), 'the VM disk holds the image');
    });

    test('direct: streams the image from the host onto /dev/vda and verifies it by reading back', async () => {
      const data = makeDemoImage({ sizeBytes: 8 * MiB, marker: 'vm direct demo' });
      images.images.set('vm.raw', { data });
      const sha = crypto.createHash('sha256').update(data).digest('hex');
      const hostUrl = new URL(images.url('vm.raw'));
      const t0 = Date.now();
      const vm = bootVm('vm-direct', [
        'ironflow.mode=direct',
        `ironflow.image_url=http://10.0.2.2:${hostUrl.port}/vm.raw`,
        `ironflow.image_checksum=sha256:${sha}`,
      ]);
      const result = await waitEvent(vm, 'vm-direct', 'result');
      console.log(`# VM power-on → direct result: ${result.at - t0} ms`);
      assert.deepEqual(
        { ok: result.body.ok, checksum: result.body.checksum, bytes_done: result.body.bytes_done },
        { ok: true, checksum: `sha256:${sha}`, bytes_done: data.length },
      );
      await finish(vm, 'vm-direct');
      assert.ok(fs.readFileSync(vm.disk).subarray(0, data.length).equals(data), 'the VM disk holds the image');
    });
  },
);
