import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCallback } from './callback-request';
import { inventoryProblem } from './inventory-shape';

const good = () => ({
  cpu: { count: 2, model_name: 'QEMU Virtual CPU', architecture: 'x86_64', frequency: '2300', flags: ['lm', 'vmx'] },
  memory: { total: 1007448064, physical_mb: 1024 },
  disks: [{ name: '/dev/vda', size: 2147483648, model: null, vendor: '0x1af4', serial: 'd1', wwn: null, rotational: true, by_path: null }],
  interfaces: [
    {
      name: 'eth0',
      mac_address: '52:54:00:12:34:56',
      ipv4_address: '10.0.2.15',
      driver: 'virtio_net',
      has_carrier: true,
      speed_mbps: null,
      pxe_booted: true,
    },
  ],
  system_vendor: { manufacturer: 'QEMU', product_name: 'Standard PC', serial_number: null },
  boot: { current_boot_mode: 'bios', pxe_interface: '52:54:00:12:34:56' },
});

describe('inventory callback', () => {
  test('an inventory of the agent shape is carried to the report as sent', () => {
    const inv = { ...good(), bmc_address: '10.1.0.5', extra: { kept: true } };
    const r = parseCallback({ seq: 7, event: 'inventory', deployment: 'd', inventory: inv });
    assert.equal(r.event, 'inventory');
    assert.deepEqual(r.report.inventory, inv);
    assert.equal(inventoryProblem(good()), null);
  });

  test('a missing part, a field of the wrong type or a missing field is refused, naming it', () => {
    const cases: [(i: ReturnType<typeof good>) => unknown, RegExp][] = [
      [(i) => ({ ...i, cpu: undefined }), /inventory\.cpu must be an object/],
      [(i) => ({ ...i, cpu: { ...i.cpu, count: '2' } }), /inventory\.cpu\.count has the wrong type \(got "2"\)/],
      [(i) => ({ ...i, memory: { total: 1 } }), /inventory\.memory\.physical_mb is missing/],
      [(i) => ({ ...i, disks: [{ ...i.disks[0], size: -1 }] }), /inventory\.disks\[0\]\.size has the wrong type/],
      [(i) => ({ ...i, disks: {} }), /inventory\.disks must be an array of at most 256 objects/],
      [
        (i) => ({ ...i, interfaces: [{ ...i.interfaces[0], pxe_booted: 'yes' }] }),
        /inventory\.interfaces\[0\]\.pxe_booted has the wrong type/,
      ],
      [
        (i) => ({ ...i, boot: { current_boot_mode: 'legacy', pxe_interface: null } }),
        /inventory\.boot\.current_boot_mode has the wrong type/,
      ],
      [(i) => ({ ...i, bmc_address: 5 }), /inventory\.bmc_address must be a string/],
      [() => [], /inventory must be an object/],
    ];
    for (const [change, message] of cases) {
      assert.throws(() => parseCallback({ seq: 1, event: 'inventory', inventory: change(good()) }), message);
    }
    assert.throws(() => parseCallback({ seq: 1, event: 'inventory' }), /Callback: inventory must be an object\./);
  });

  test('an inventory over 64 KiB is refused, one just under is taken', () => {
    const base = JSON.stringify(good()).length;
    const withPad = (n: number) => ({ ...good(), pad: 'x'.repeat(n) });
    const padFits = 64 * 1024 - base - ',"pad":""'.length;
    const fits = withPad(padFits);
    assert.equal(Buffer.byteLength(JSON.stringify(fits)), 64 * 1024);
    assert.equal(parseCallback({ seq: 1, event: 'inventory', inventory: fits }).report.inventory, fits);
    assert.throws(
      () => parseCallback({ seq: 1, event: 'inventory', inventory: withPad(padFits + 1) }),
      /Callback: inventory must be at most 65536 bytes serialised, got 65537\./,
    );
  });
});
