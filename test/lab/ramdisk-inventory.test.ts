// ramdisk/inventory under busybox sh against a fake /sys, /proc and /dev tree (IRONFLOW_INVENTORY_ROOT):
// the exact JSON for a machine with what the script must skip (loop, cdrom, removable disk, lo, offline
// memory), then ramdisk/init's inspect mode sending it to a control-plane stub and ending on `done`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';

/** Writes files (path → content) and symlinks (path → { link }) under root. */
function tree(root: string, entries: Record<string, string | { link: string }>): void {
  for (const [p, v] of Object.entries(entries)) {
    const f = path.join(root, p);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    if (typeof v === 'string') fs.writeFileSync(f, v);
    else fs.symlinkSync(v.link, f);
  }
}

const CPU = (n: number) =>
  `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\n` +
  `cpu MHz\t\t: 2000.000\nflags\t\t: fpu vme pae sse4_1 sse4_2 vmx lm nx aes avx avx2 avx512f hypervisor rdrand\n\n`;

function fakeMachine(root: string, uefi: boolean): void {
  tree(root, {
    'proc/cpuinfo': CPU(0) + CPU(1),
    'proc/meminfo': 'MemTotal:        4030464 kB\nMemFree:         3000000 kB\n',
    'proc/sys/kernel/arch': 'x86_64\n',
    'proc/cmdline': 'initrd=deploy/initramfs ironflow.mode=inspect BOOTIF=01-52-54-00-AB-CD-01 quiet\n',
    'sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq': '3200000\n',
    // 128 MiB blocks: 32 online (4096 MiB) and one offline.
    'sys/devices/system/memory/block_size_bytes': '8000000\n',
    ...Object.fromEntries(
      Array.from({ length: 33 }, (_, i) => [`sys/devices/system/memory/memory${i}/state`, i < 32 ? 'online\n' : 'offline\n']),
    ),
    // A SATA SSD with a WWN and a by-path link, a virtio disk with a serial, and what is skipped.
    'sys/block/sda/size': '1953525168\n',
    'sys/block/sda/removable': '0\n',
    'sys/block/sda/queue/rotational': '0\n',
    'sys/block/sda/device/model': 'Samsung SSD 870 \n',
    'sys/block/sda/device/vendor': 'ATA     \n',
    'sys/block/sda/device/wwid': 'naa.5002538f4231a5b2\n',
    'dev/disk/by-path/pci-0000:00:1f.2-ata-1': { link: '../../sda' },
    'dev/disk/by-path/pci-0000:00:1f.2-ata-1-part1': { link: '../../sda1' },
    'sys/block/vda/size': '4194304\n',
    'sys/block/vda/removable': '0\n',
    'sys/block/vda/queue/rotational': '1\n',
    'sys/block/vda/serial': 'disk-"2"\n',
    'sys/block/vda/device/vendor': '0x1af4\n',
    'sys/block/loop0/size': '2048\n',
    'sys/block/sr0/size': '2048\n',
    'sys/block/sdb/size': '30031872\n',
    'sys/block/sdb/removable': '1\n',
    // Two NICs (one PXE-booted, link up; one down) and lo, which has no device.
    'sys/class/net/lo/address': '00:00:00:00:00:00\n',
    'sys/class/net/eno1/address': '52:54:00:ab:cd:01\n',
    'sys/class/net/eno1/carrier': '1\n',
    'sys/class/net/eno1/speed': '10000\n',
    'sys/class/net/eno1/device/driver': { link: '../../../bus/pci/drivers/ixgbe' },
    'sys/class/net/eno2/address': '52:54:00:AB:CD:02\n',
    'sys/class/net/eno2/carrier': '0\n',
    'sys/class/net/eno2/speed': '-1\n',
    'sys/class/net/eno2/device/driver': { link: '../../../bus/pci/drivers/igb' },
    'sys/class/dmi/id/sys_vendor': 'Dell Inc.\n',
    'sys/class/dmi/id/product_name': 'PowerEdge R650 "lab"\n',
    'sys/class/dmi/id/product_serial': 'CN7X2\n',
    'sys/class/dmi/id/bios_vendor': 'Dell Inc.\n',
    'sys/class/dmi/id/bios_version': '1.9.2\n',
    ...(uefi ? { 'sys/firmware/efi/fw_platform_size': '64\n' } : {}),
    // `ip -4 -o addr show dev X`, as busybox ip prints it.
    'bin/ip': '#!/bin/sh\n[ "$6" = eno1 ] && echo "2: eno1    inet 10.0.0.21/24 brd 10.0.0.255 scope global eno1"\nexit 0\n',
  });
  fs.chmodSync(path.join(root, 'bin/ip'), 0o755);
}

const EXPECTED = (uefi: boolean) => ({
  cpu: {
    count: 2,
    model_name: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
    architecture: 'x86_64',
    frequency: '3200',
    flags: ['sse4_1', 'sse4_2', 'vmx', 'lm', 'nx', 'aes', 'avx', 'avx2', 'avx512f', 'hypervisor'],
  },
  memory: { total: 4030464 * 1024, physical_mb: 4096 },
  disks: [
    {
      name: '/dev/sda',
      size: 1953525168 * 512,
      model: 'Samsung SSD 870',
      vendor: 'ATA',
      serial: null,
      wwn: 'naa.5002538f4231a5b2',
      rotational: false,
      by_path: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1',
    },
    {
      name: '/dev/vda',
      size: 2 * 1024 ** 3,
      model: null,
      vendor: '0x1af4',
      serial: 'disk-"2"',
      wwn: null,
      rotational: true,
      by_path: null,
    },
  ],
  interfaces: [
    {
      name: 'eno1',
      mac_address: '52:54:00:ab:cd:01',
      ipv4_address: '10.0.0.21',
      driver: 'ixgbe',
      has_carrier: true,
      speed_mbps: 10000,
      pxe_booted: true,
    },
    {
      name: 'eno2',
      mac_address: '52:54:00:ab:cd:02',
      ipv4_address: null,
      driver: 'igb',
      has_carrier: false,
      speed_mbps: null,
      pxe_booted: false,
    },
  ],
  system_vendor: {
    manufacturer: 'Dell Inc.',
    product_name: 'PowerEdge R650 "lab"',
    serial_number: 'CN7X2',
    firmware: { vendor: 'Dell Inc.', version: '1.9.2', build_date: null },
  },
  boot: { current_boot_mode: uefi ? 'uefi' : 'bios', pxe_interface: '52:54:00:ab:cd:01' },
});

describe('ramdisk/inventory on a fake machine', () => {
  let work: string;
  let cp: ControlPlaneStub;
  const secret = crypto.randomBytes(16).toString('hex');
  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ramdisk-inventory-'));
    fakeMachine(path.join(work, 'bios'), false);
    fakeMachine(path.join(work, 'uefi'), true);
    cp = await startControlPlaneStub({ secret });
  });
  after(async () => {
    await cp?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const env = (root: string) => ({ PATH: process.env.PATH ?? '', IRONFLOW_INVENTORY_ROOT: root, IRONFLOW_IP: path.join(root, 'bin/ip') });

  /** A shell script in the work dir (a fake ipmitool or modprobe). */
  const script = (name: string, body: string): string => {
    const f = path.join(work, name);
    fs.writeFileSync(f, `#!/bin/sh\n${body}`, { mode: 0o755 });
    return f;
  };
  /** ipmitool on a machine whose BMC has this LAN address (`lan print` as ipmitool prints it). */
  const ipmitoolWithBmc = (address: string): string =>
    script(
      `ipmitool-${address}`,
      `[ "$1 $2" = "lan print" ] || exit 1\necho "IP Address Source       : Static Address"\necho "IP Address              : ${address}"\necho "Subnet Mask             : 255.255.255.0"\n`,
    );
  /** ipmitool on a machine without a BMC (no /dev/ipmi0). */
  const ipmitoolWithoutBmc = () =>
    script(
      'ipmitool-none',
      'echo "Could not open device at /dev/ipmi0 or /dev/ipmi/0 or /dev/ipmidev/0: No such file or directory" >&2\nexit 1\n',
    );

  for (const uefi of [false, true]) {
    test(`prints exactly the agent-shaped inventory (${uefi ? 'UEFI' : 'BIOS'})`, async () => {
      const root = path.join(work, uefi ? 'uefi' : 'bios');
      const out = await runCommand({
        file: 'busybox',
        args: ['sh', path.join(repoRoot(), 'ramdisk', 'inventory')],
        env: env(root),
        timeoutMs: 60_000,
      });
      assert.equal(out.stderr, '');
      assert.match(out.stdout, /^\{.*\}\n$/, 'one line of JSON');
      assert.deepEqual(JSON.parse(out.stdout), EXPECTED(uefi));
    });
  }

  test('init in inspect mode sends it in an `inventory` callback, polls, and ends on `done`', async () => {
    const root = path.join(work, 'bios');
    const cmdline = path.join(work, 'cmdline');
    fs.writeFileSync(
      cmdline,
      `ironflow.deployment=insp-1 ironflow.secret=${secret} ironflow.callback=${cp.url('insp-1')} ironflow.mode=inspect BOOTIF=01-52-54-00-ab-cd-01`,
    );
    let polls = 0;
    cp.decide = (cb) => (cb.event === 'poll' && ++polls >= 2 ? { command: 'done' } : { command: 'wait' });
    const child = spawn('busybox', ['sh', path.join(repoRoot(), 'ramdisk', 'init')], {
      env: {
        ...env(root),
        IRONFLOW_CMDLINE_FILE: cmdline,
        IRONFLOW_STATE_DIR: path.join(work, 'state'),
        IRONFLOW_DISK: '/dev/null',
        IRONFLOW_POLL_INTERVAL: '0.1',
        // This host's own ipmitool would answer for this host's BMC, if it has one.
        IRONFLOW_IPMITOOL: ipmitoolWithoutBmc(),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      cp.callbacks.map((c) => c.event),
      ['inventory', 'poll', 'poll'],
    );
    const [inv] = cp.callbacks;
    assert.equal(inv.body.deployment, 'insp-1');
    assert.deepEqual(inv.body.inventory, EXPECTED(false));
    assert.match(stderr, /no BMC address readable/);
  });

  test('init in inspect mode loads the IPMI drivers, then reports the BMC address ipmitool reads, as the agent does', async () => {
    const root = path.join(work, 'bios');
    const cmdline = path.join(work, 'cmdline-inspect-bmc');
    const insp = await startControlPlaneStub({ secret });
    try {
      fs.writeFileSync(
        cmdline,
        `ironflow.deployment=insp-2 ironflow.secret=${secret} ironflow.callback=${insp.url('insp-2')} ironflow.mode=inspect BOOTIF=01-52-54-00-ab-cd-01`,
      );
      insp.decide = () => ({ command: 'done' });
      const loaded = path.join(work, 'modprobe.log');
      // modprobe fails (a machine without a BMC would): init goes on all the same.
      const modprobe = script('modprobe', `echo "$*" >> ${loaded}\nexit 1\n`);
      const child = spawn('busybox', ['sh', path.join(repoRoot(), 'ramdisk', 'init')], {
        env: {
          ...env(root),
          IRONFLOW_CMDLINE_FILE: cmdline,
          IRONFLOW_STATE_DIR: path.join(work, 'state-inspect-bmc'),
          IRONFLOW_DISK: '/dev/null',
          IRONFLOW_POLL_INTERVAL: '0.1',
          IRONFLOW_IPMITOOL: ipmitoolWithBmc('192.0.2.41'),
          IRONFLOW_MODPROBE: modprobe,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, stderr);
      assert.equal(fs.readFileSync(loaded, 'utf8'), 'ipmi_si\nipmi_devintf\n');
      const [inv] = insp.callbacks;
      assert.equal(inv.event, 'inventory');
      assert.deepEqual(inv.body.inventory, { ...EXPECTED(false), bmc_address: '192.0.2.41' });
      assert.match(stderr, /BMC address 192\.0\.2\.41/);
    } finally {
      await insp.stop();
    }
  });

  test('init in discover mode without a readable BMC address posts the inventory without one', async () => {
    const root = path.join(work, 'bios');
    const cmdline = path.join(work, 'cmdline-discover-nobmc');
    const discovery = await startControlPlaneStub({ secret: '' });
    try {
      fs.writeFileSync(cmdline, `ironflow.callback=${discovery.url('discovery')} ironflow.mode=discover BOOTIF=01-52-54-00-ab-cd-01`);
      discovery.decide = () => ({ command: 'done' });
      const child = spawn('busybox', ['sh', path.join(repoRoot(), 'ramdisk', 'init')], {
        env: {
          ...env(root),
          IRONFLOW_CMDLINE_FILE: cmdline,
          IRONFLOW_STATE_DIR: path.join(work, 'state-discover-nobmc'),
          IRONFLOW_DISK: '/dev/null',
          // A BMC not configured yet answers 0.0.0.0.
          IRONFLOW_IPMITOOL: ipmitoolWithBmc('0.0.0.0'),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, stderr);
      const [inv] = discovery.callbacks;
      assert.deepEqual(inv.body.inventory, EXPECTED(false));
      assert.match(stderr, /no BMC address readable/);
    } finally {
      await discovery.stop();
    }
  });

  test('init in discover mode (no deployment, no secret) adds the BMC address ipmitool reads, ends on `done`', async () => {
    const root = path.join(work, 'bios');
    const cmdline = path.join(work, 'cmdline-discover');
    const discovery = await startControlPlaneStub({ secret: '' });
    try {
      fs.writeFileSync(cmdline, `ironflow.callback=${discovery.url('discovery')} ironflow.mode=discover BOOTIF=01-52-54-00-ab-cd-01`);
      const ipmitool = path.join(work, 'ipmitool');
      fs.writeFileSync(
        ipmitool,
        '#!/bin/sh\n[ "$1 $2" = "lan print" ] || exit 1\necho "IP Address Source       : Static Address"\necho "IP Address              : 10.9.8.7"\n',
      );
      fs.chmodSync(ipmitool, 0o755);
      discovery.decide = () => ({ command: 'done' });
      const child = spawn('busybox', ['sh', path.join(repoRoot(), 'ramdisk', 'init')], {
        env: {
          ...env(root),
          IRONFLOW_CMDLINE_FILE: cmdline,
          IRONFLOW_STATE_DIR: path.join(work, 'state-discover'),
          IRONFLOW_DISK: '/dev/null',
          IRONFLOW_IPMITOOL: ipmitool,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      assert.equal(code, 0, stderr);
      assert.deepEqual(
        discovery.callbacks.map((c) => c.event),
        ['inventory'],
      );
      const [inv] = discovery.callbacks;
      assert.equal(inv.body.deployment, '');
      assert.deepEqual(inv.body.inventory, { ...EXPECTED(false), bmc_address: '10.9.8.7' });
      assert.match(stderr, /BMC address 10\.9\.8\.7/);
    } finally {
      await discovery.stop();
    }
  });
});
