import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Inventory, InventoryDisk } from '../contracts/inventory';
import { applyInspection, chooseRootDisk, mergeCapability } from './inspection';

const GiB = 1024 ** 3;
const disk = (name: string, gib: number, more: Partial<InventoryDisk> = {}): InventoryDisk => ({
  name,
  size: gib * GiB,
  model: null,
  vendor: null,
  serial: null,
  wwn: null,
  rotational: false,
  by_path: null,
  ...more,
});

function inventory(more: Partial<Inventory> = {}): Inventory {
  return {
    cpu: { count: 8, model_name: 'x', architecture: 'x86_64', frequency: '2400', flags: [] },
    memory: { total: 16 * GiB - 1, physical_mb: 16384 },
    disks: [disk('/dev/sda', 480), disk('/dev/sdb', 120), disk('/dev/sdc', 2)],
    interfaces: [
      {
        name: 'eno1',
        mac_address: '52:54:00:AA:00:01',
        ipv4_address: '10.0.0.5',
        driver: 'ixgbe',
        has_carrier: true,
        speed_mbps: 10000,
        pxe_booted: true,
      },
      {
        name: 'eno2',
        mac_address: '52:54:00:aa:00:02',
        ipv4_address: null,
        driver: 'ixgbe',
        has_carrier: false,
        speed_mbps: null,
        pxe_booted: false,
      },
    ],
    system_vendor: { manufacturer: null, product_name: null, serial_number: null },
    boot: { current_boot_mode: 'uefi', pxe_interface: null },
    ...more,
  };
}

test('root disk: the smallest disk of at least 4 GiB without hints; the hinted one with hints; none is said so', () => {
  const disks = inventory().disks;
  assert.equal(chooseRootDisk(disks, undefined).disk?.name, '/dev/sdb');
  assert.equal(chooseRootDisk(disks, { name: 'sda' }).disk?.name, '/dev/sda');
  assert.equal(chooseRootDisk(disks, { size: 480 }).disk?.name, '/dev/sda');
  assert.equal(chooseRootDisk([disk('/dev/vda', 2, { serial: 'S1' })], { serial: 's1', rotational: 'false' }).disk?.name, '/dev/vda');
  assert.equal(chooseRootDisk(disks, { name: '/dev/sdz' }).disk, null);
  assert.match(chooseRootDisk([disk('/dev/vda', 2)], undefined).rule, /no disk of at least 4 GiB/);
});

test('capabilities: boot_mode replaces its own key, others kept in order; an object form is read too', () => {
  assert.equal(mergeCapability(undefined, 'boot_mode', 'bios'), 'boot_mode:bios');
  assert.equal(mergeCapability('cpu_vt:true,boot_mode:uefi,x:1', 'boot_mode', 'bios'), 'cpu_vt:true,boot_mode:bios,x:1');
  assert.equal(mergeCapability({ cpu_vt: 'true' }, 'boot_mode', 'uefi'), 'cpu_vt:true,boot_mode:uefi');
});

test('applyInspection: properties by Ironic rules, a port per new NIC (pxe for the booting one), a diff; twice changes nothing', () => {
  const first = applyInspection(inventory(), { properties: { root_device: undefined, vendor: 'kept' }, portMacs: [] });
  assert.deepEqual(
    { ...first.properties, root_device: undefined },
    {
      root_device: undefined,
      vendor: 'kept',
      cpus: 8,
      cpu_arch: 'x86_64',
      memory_mb: 16384,
      local_gb: 119,
      capabilities: 'boot_mode:uefi',
    },
  );
  assert.deepEqual(first.newPorts, [
    { address: '52:54:00:aa:00:01', pxeEnabled: true, name: 'eno1' },
    { address: '52:54:00:aa:00:02', pxeEnabled: false, name: 'eno2' },
  ]);
  assert.deepEqual(first.changes, [
    'cpus: unset -> 8',
    'memory_mb: unset -> 16384',
    'local_gb: unset -> 119',
    'cpu_arch: unset -> x86_64',
    'capabilities: unset -> boot_mode:uefi',
  ]);
  assert.equal((first.pluginData.root_disk as InventoryDisk).name, '/dev/sdb');
  const again = applyInspection(inventory(), { properties: first.properties, portMacs: ['52:54:00:AA:00:01', '52:54:00:aa:00:02'] });
  assert.deepEqual(again.changes, []);
  assert.deepEqual(again.newPorts, []);
});

test("applyInspection: a MAC that is another node's port is reported, not created; hints pick the root disk", () => {
  const r = applyInspection(inventory(), {
    properties: { root_device: { name: '/dev/sda' } },
    portMacs: [],
    takenMacs: ['52:54:00:aa:00:02'],
  });
  assert.deepEqual(
    r.newPorts.map((p) => p.address),
    ['52:54:00:aa:00:01'],
  );
  assert.deepEqual(r.pluginData.ports_skipped_owned_by_other_nodes, ['52:54:00:aa:00:02']);
  assert.equal(r.properties.local_gb, 479);
  // No pxe_booted flag: boot.pxe_interface (a MAC) names the booting NIC.
  const ifs = inventory().interfaces.map((i) => ({ ...i, pxe_booted: false }));
  const byBoot = applyInspection(inventory({ interfaces: ifs, boot: { current_boot_mode: 'bios', pxe_interface: '52:54:00:aa:00:02' } }), {
    properties: {},
    portMacs: [],
  });
  assert.deepEqual(
    byBoot.newPorts.map((p) => [p.address, p.pxeEnabled]),
    [
      ['52:54:00:aa:00:01', false],
      ['52:54:00:aa:00:02', true],
    ],
  );
});
