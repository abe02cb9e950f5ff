// The bootable demo OS (demo-os/build.sh) in a real VM, once under BIOS (SeaBIOS) and once under UEFI
// (OVMF): it boots from the one hybrid image, finds the config drive Ironflow builds (activities/configdrive:
// the ISO from a configdrive document) by its label, takes the host name and SSH key from meta_data and runs
// the user_data script, and lets us in over SSH (QEMU user-mode network, a host port forwarded to 22).
//   BIOS: the drive as Ironflow really writes it: a partition appended at the end of the target disk
//         (planConfigDrivePartition + configDriveWrites applied to the disk file, as the lab does).
//   UEFI: the drive as a second virtio disk (how a VM or a virtual-media config drive may carry it).
// KVM when /dev/kvm opens, else TCG; a KVM that cannot run the firmware (some nested hosts stop with "KVM
// internal error") falls back to TCG for that boot. Slow (a kernel boots): runs only with IRONFLOW_VM_TESTS=1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import {
  applyWritesToFile,
  buildConfigDriveIso,
  configDriveWrites,
  planConfigDrivePartition,
  PLAN_HEAD_BYTES,
} from '#activities/configdrive';
import { freeTcpPort, startProcess, type Proc } from '../support/procs';

const MiB = 1024 * 1024;
const enabled = process.env.IRONFLOW_VM_TESTS === '1';
const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
const READY = /ironflow-demo-os: ready hostname=(\S+) ip=(\S+)/;

type Firmware = 'bios' | 'uefi';
type Accel = 'kvm' | 'tcg';

class KvmFailed extends Error {}

function kvmUsable(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

describe('real VM: the bootable demo OS', { skip: enabled ? false : 'set IRONFLOW_VM_TESTS=1 (boots VMs, ~30 s each under TCG)' }, () => {
  let work: string;
  let image: string;
  let key: string;
  const procs: Proc[] = [];

  before(async () => {
    const build = await runCommand({ file: 'bash', args: [path.join(repoRoot(), 'demo-os', 'build.sh')], timeoutMs: 15 * 60000 });
    const disk = /^disk: (.*)$/m.exec(build.stdout)?.[1];
    assert.ok(disk, `demo-os/build.sh output: ${build.stdout}`);
    image = disk;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'vm-demo-os-'));
    key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-C', 'demo-os-test', '-f', key] });
  });
  after(async () => {
    for (const p of procs) await p.stop(2000);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** A config drive ISO built by Ironflow's own code, from a document as a client would send it. */
  async function configDrive(hostname: string, marker: string): Promise<Uint8Array> {
    const doc = {
      meta_data: { hostname, public_keys: { default: fs.readFileSync(`${key}.pub`, 'utf8').trim() } },
      user_data: `#!/bin/sh\necho "${marker}" > /root/user-data-ran\n`,
    };
    return buildConfigDriveIso(doc, { uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', name: 'demo-node' });
  }

  /** Boots the disk (plus extra disks) and resolves with the ready line's fields once it is on the serial console. */
  async function boot(
    name: string,
    firmware: Firmware,
    disks: string[],
    accel: Accel,
  ): Promise<{ hostname: string; ip: string; port: number; ms: number; accel: Accel; proc: Proc }> {
    const port = await freeTcpPort();
    const consoleLog = path.join(work, `${name}-${accel}.console.log`);
    const qemuLog = path.join(work, `${name}-${accel}.qemu.log`);
    const fw: string[] = [];
    if (firmware === 'uefi') {
      const vars = path.join(work, `${name}-${accel}.vars.fd`);
      fs.copyFileSync(OVMF_VARS, vars);
      fw.push('-drive', `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, '-drive', `if=pflash,format=raw,file=${vars}`);
    }
    const t0 = performance.now();
    const proc = startProcess(
      'qemu-system-x86_64',
      [
        '-accel',
        accel,
        ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
        '-m',
        '512',
        '-display',
        'none',
        '-monitor',
        'none',
        '-serial',
        `file:${consoleLog}`,
        ...fw,
        ...disks.flatMap((d) => ['-drive', `file=${d},format=raw,if=virtio`]),
        '-netdev',
        `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:22`,
        '-device',
        'virtio-net-pci,netdev=n0',
        '-device',
        'virtio-rng-pci',
      ],
      { logFile: qemuLog },
    );
    procs.push(proc);
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');
    try {
      // Not waitFor: it retries through errors, and a KVM failure or a dead QEMU must end the wait at once.
      const deadline = performance.now() + 240_000;
      let m: RegExpExecArray | null = null;
      while (!(m = READY.exec(read(consoleLog)))) {
        if (/KVM internal error/.test(read(qemuLog))) throw new KvmFailed(read(qemuLog).slice(0, 300));
        if (proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`QEMU exited: ${read(qemuLog)}`);
        if (performance.now() > deadline) throw new Error(`timed out waiting for the ready line on the ${firmware} VM's console`);
        await new Promise((r) => setTimeout(r, 200));
      }
      return { hostname: m[1], ip: m[2], port, ms: Math.round(performance.now() - t0), accel, proc };
    } catch (e) {
      await proc.stop(2000);
      if (e instanceof KvmFailed) {
        console.log(`# ${name}: KVM cannot run this guest here (${String(e).split('\n')[0]}); booting under TCG`);
        return boot(name, firmware, disks, 'tcg');
      }
      throw new Error(`${String(e)}\nconsole:\n${read(consoleLog).slice(-3000)}`);
    }
  }

  async function ssh(port: number, command: string): Promise<string> {
    const r = await runCommand({
      file: 'ssh',
      args: [
        '-i',
        key,
        '-p',
        String(port),
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=20',
        '-o',
        'LogLevel=ERROR',
        'root@127.0.0.1',
        command,
      ],
      timeoutMs: 60_000,
    });
    return r.stdout.trim();
  }

  async function check(firmware: Firmware, vm: Awaited<ReturnType<typeof boot>>, hostname: string, marker: string) {
    console.log(`# ${firmware} (${vm.accel}): power-on → ready line (SSH up): ${vm.ms} ms`);
    assert.deepEqual({ hostname: vm.hostname, ip: vm.ip }, { hostname, ip: '10.0.2.15' });
    assert.equal(await ssh(vm.port, 'hostname'), hostname);
    assert.equal(await ssh(vm.port, 'cat /root/user-data-ran'), marker);
    assert.equal(await ssh(vm.port, 'if [ -d /sys/firmware/efi ]; then echo uefi; else echo bios; fi'), firmware);
    // Root logs in by key only: a password is refused before it is asked for.
    await assert.rejects(
      runCommand({
        file: 'ssh',
        args: [
          '-p',
          String(vm.port),
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'BatchMode=yes',
          '-o',
          'PubkeyAuthentication=no',
          'root@127.0.0.1',
          'true',
        ],
        timeoutMs: 60_000,
      }),
    );
    await vm.proc.stop(2000);
  }

  const accel: Accel = kvmUsable() ? 'kvm' : 'tcg';

  test('BIOS: boots from the image with the config drive appended as a partition at the end of the disk', async () => {
    const iso = await configDrive('demo-bios', 'user_data ran under BIOS');
    // The target disk: the image written from byte 0 on a bigger disk, then Ironflow's config drive plan.
    const disk = path.join(work, 'bios-disk.raw');
    fs.copyFileSync(image, disk);
    const imageBytes = fs.statSync(disk).size;
    fs.truncateSync(disk, imageBytes + 32 * MiB);
    const fd = fs.openSync(disk, 'r');
    const head = Buffer.alloc(PLAN_HEAD_BYTES);
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    const plan = planConfigDrivePartition({ head, imageBytes, diskBytes: imageBytes + 32 * MiB, driveBytes: iso.length });
    assert.equal(plan.table, 'mbr');
    await applyWritesToFile(disk, configDriveWrites(plan, iso));
    const table = await runCommand({ file: 'sfdisk', args: ['-d', disk] });
    assert.match(table.stdout, /bios-disk\.raw2 : start=\s*\d+, size=\s*\d+, type=83/);

    const vm = await boot('bios', 'bios', [disk], accel);
    await check('bios', vm, 'demo-bios', 'user_data ran under BIOS');
    const consoleText = fs.readFileSync(path.join(work, `bios-${vm.accel}.console.log`), 'utf8');
    assert.match(consoleText, /first-boot: config drive: \/dev\/vda2/);
  });

  test('UEFI: boots the same image through EFI/BOOT/BOOTX64.EFI, the config drive on a second disk', async () => {
    const iso = await configDrive('demo-uefi', 'user_data ran under UEFI');
    const disk = path.join(work, 'uefi-disk.raw');
    fs.copyFileSync(image, disk);
    const drive = path.join(work, 'uefi-config-drive.iso');
    fs.writeFileSync(drive, iso);
    const vm = await boot('uefi', 'uefi', [disk, drive], accel);
    await check('uefi', vm, 'demo-uefi', 'user_data ran under UEFI');
    const consoleText = fs.readFileSync(path.join(work, `uefi-${vm.accel}.console.log`), 'utf8');
    assert.match(consoleText, /first-boot: config drive: \/dev\/vdb/);
  });
});
