import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Inventory } from '../contracts/inventory';
import { discoveredNode, inventoryMacs } from './discovery';

const GiB = 2 ** 30;

function inventory(over: Partial<Inventory> = {}): Inventory {
  return {
    cpu: { count: 8, model_name: 'Xeon', architecture: 'x86_64', frequency: '2400', flags: ['vmx', 'lm'] },
    memory: { total: 30 * GiB, physical_mb: 32768 },
    disks: [
      { name: '/dev/sda', size: 480 * GiB, model: 'SSD', vendor: 'ATA', serial: 'S1', wwn: null, rotational: false, by_path: null },
      { name: '/dev/sdb', size: 2000 * GiB, model: 'HDD', vendor: 'ATA', serial: 'S2', wwn: null, rotational: true, by_path: null },
    ],
    interfaces: [
      {
        name: 'eno1',
        mac_address: 'AA:BB:CC:00:00:01',
        ipv4_address: '10.0.0.5',
        driver: 'igb',
        has_carrier: true,
        speed_mbps: 1000,
        pxe_booted: false,
      },
      {
        name: 'eno2',
        mac_address: 'aa:bb:cc:00:00:02',
        ipv4_address: null,
        driver: 'igb',
        has_carrier: true,
        speed_mbps: 1000,
        pxe_booted: true,
      },
    ],
    system_vendor: { manufacturer: 'Dell Inc.', product_name: 'PowerEdge R650', serial_number: 'ABC123' },
    boot: { current_boot_mode: 'uefi', pxe_interface: 'aa:bb:cc:00:00:02' },
    ...over,
  };
}

test('a discovered server: properties as Ironic inspection sets them, ports with the booting NIC PXE-enabled', () => {
  const d = discoveredNode({ ...inventory(), bmc_address: '10.1.0.7' }, '10.0.0.5');
  assert.deepEqual(d.properties, { cpus: 8, memory_mb: 32768, local_gb: 1999, cpu_arch: 'x86_64', capabilities: 'boot_mode:uefi' });
  assert.deepEqual(d.ports, [
    { address: 'aa:bb:cc:00:00:01', pxeEnabled: false },
    { address: 'aa:bb:cc:00:00:02', pxeEnabled: true },
  ]);
  assert.deepEqual(d.driverInfo, { ipmi_address: '10.1.0.7' });
  assert.equal(d.severity, 'INFO');
  assert.equal(
    d.event,
    'Discovered by PXE boot from 10.0.0.5. BMC 10.1.0.7 read from the machine: set driver_info ipmi_username and ipmi_password, then manage. ' +
      'NICs aa:bb:cc:00:00:01, aa:bb:cc:00:00:02 (PXE: aa:bb:cc:00:00:02).',
  );
  assert.equal(
    d.summary,
    'Discovered hardware: 8 CPU x86_64, 32768 MiB; 2 disk(s); Dell Inc. PowerEdge R650; serial ABC123; boot mode uefi.',
  );
});

test('no BMC address (a VM): no driver_info, a warning telling the operator what to add', () => {
  const d = discoveredNode(inventory(), '127.0.0.1');
  assert.deepEqual(d.driverInfo, {});
  assert.equal(d.severity, 'WARNING');
  assert.match(
    d.event,
    /^Discovered by PXE boot from 127\.0\.0\.1\. No BMC address readable \(a VM has none\): set driver_info ipmi_address, ipmi_username, ipmi_password/,
  );
  const many = inventory({
    interfaces: Array.from({ length: 8 }, (_, i) => ({ ...inventory().interfaces[0]!, mac_address: `aa:bb:cc:00:01:0${i}` })),
  });
  assert.match(
    discoveredNode(many, '192.168.100.200').event.slice(0, 251),
    /before manage\. NICs aa:bb/,
    "what to do survives history's 255 characters",
  );
  assert.deepEqual(discoveredNode({ ...inventory(), bmc_address: '0.0.0.0' }, 'x').driverInfo, {}, 'an unset BMC address is none');
});

test('which NIC booted unknown: every port PXE-enabled; tiny or no disks: local_gb 0', () => {
  const inv = inventory({
    disks: [],
    interfaces: inventory().interfaces.map((i) => ({ ...i, pxe_booted: false })),
    boot: { current_boot_mode: 'bios', pxe_interface: null },
  });
  const d = discoveredNode(inv, 'x');
  assert.ok(d.ports.every((p) => p.pxeEnabled));
  assert.equal(d.properties.local_gb, 0);
  assert.equal(d.properties.capabilities, 'boot_mode:bios');
});

test('MACs: lower-cased, deduplicated, invalid ones dropped', () => {
  const inv = inventory();
  inv.interfaces.push({ ...inv.interfaces[0]!, name: 'bond0' }, { ...inv.interfaces[0]!, mac_address: 'not-a-mac' });
  assert.deepEqual(inventoryMacs(inv), ['aa:bb:cc:00:00:01', 'aa:bb:cc:00:00:02']);
});
