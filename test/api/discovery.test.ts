// POST /v1/discovery against the real API and database: off by default (404); on, a report from an
// allowed source enrolls one node with its ports and a history event, a second report of the same
// server (or a racing retry) enrolls nothing more; a source outside IRONFLOW_DISCOVERY_SOURCES is a
// 403, a bad body a 400 that writes nothing, an oversized one a 413, a flood a 429.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidrList } from '#workflows/domain/image-networks';
import type { Inventory } from '#workflows/contracts/inventory';
import { api, startStack, type TestStack } from '../support/stack';

const GiB = 2 ** 30;

function inventory(mac: string, extra: Partial<Inventory> = {}): Inventory {
  return {
    cpu: { count: 4, model_name: 'QEMU Virtual CPU', architecture: 'x86_64', frequency: '2000', flags: ['lm'] },
    memory: { total: 3 * GiB, physical_mb: 4096 },
    disks: [{ name: '/dev/vda', size: 20 * GiB, model: null, vendor: '0x1af4', serial: null, wwn: null, rotational: true, by_path: null }],
    interfaces: [
      {
        name: 'eth0',
        mac_address: mac,
        ipv4_address: '10.0.0.9',
        driver: 'virtio_net',
        has_carrier: true,
        speed_mbps: null,
        pxe_booted: true,
      },
    ],
    system_vendor: { manufacturer: 'QEMU', product_name: 'Standard PC', serial_number: null },
    boot: { current_boot_mode: 'bios', pxe_interface: mac },
    ...extra,
  };
}

const report = (inv: unknown, seq = 1795290855001) => ({
  seq,
  event: 'inventory',
  deployment: '',
  boot: '0011223344556677',
  inventory: inv,
});

describe('discovery endpoint', () => {
  let on: TestStack;
  let off: TestStack;
  before(async () => {
    on = await startStack({
      worker: false,
      // Generous limits here: the flood test has a stack of its own.
      app: {
        discovery: {
          enabled: true,
          sources: parseCidrList('127.0.0.0/8'),
          limits: { perDeployment: { rate: 100, burst: 1000 }, perSource: { rate: 100, burst: 1000 }, failureCost: 1 },
        },
      },
    });
    off = await startStack({ worker: false });
  });
  after(async () => {
    await on?.stop();
    await off?.stop();
  });

  test('off by default: 404 saying how to turn it on', async () => {
    const r = await api(off, 'POST', '/v1/discovery', report(inventory('52:54:00:dd:00:01')));
    assert.equal(r.status, 404);
    assert.match(r.text, /IRONFLOW_DISCOVERY=1/);
  });

  test('an unknown server becomes a node in enroll with its port, properties, driver_info and an event; once', async () => {
    const mac = '52:54:00:dd:00:02';
    const r = await api(on, 'POST', '/v1/discovery', report({ ...inventory(mac), bmc_address: '10.9.0.2' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.ack, 1795290855001);
    assert.equal(r.body.command, 'done');
    assert.equal(r.body.created, true);
    const n = (await api(on, 'GET', `/v1/nodes/${r.body.node_uuid}`)).body;
    assert.equal(n.provision_state, 'enroll');
    assert.equal(n.driver, 'ipmi');
    assert.deepEqual(n.driver_info, { ipmi_address: '10.9.0.2' });
    assert.deepEqual(n.properties, { cpus: 4, memory_mb: 4096, local_gb: 19, cpu_arch: 'x86_64', capabilities: 'boot_mode:bios' });
    const ports = (await api(on, 'GET', `/v1/ports?node=${n.uuid}&fields=address,pxe_enabled`)).body.ports.map((p: any) => ({
      address: p.address,
      pxe_enabled: p.pxe_enabled,
    }));
    assert.deepEqual(ports, [{ address: mac, pxe_enabled: true }]);
    const hist = (await api(on, 'GET', `/v1/nodes/${n.uuid}/history`)).body.history;
    assert.ok(
      hist.some(
        (h: any) =>
          h.event ===
            'Discovered by PXE boot from 127.0.0.1. BMC 10.9.0.2 read from the machine: set driver_info ipmi_username and ipmi_password, then manage. NICs 52:54:00:dd:00:02 (PXE: 52:54:00:dd:00:02).' &&
          h.severity === 'INFO',
      ),
      JSON.stringify(hist),
    );

    // The same server again (a second boot), and two racing reports (retries): no new node.
    const again = await Promise.all([1, 2, 3].map((i) => api(on, 'POST', '/v1/discovery', report(inventory(mac), 1795290855001 + i))));
    for (const a of again) {
      assert.equal(a.status, 200, a.text);
      assert.deepEqual([a.body.created, a.body.node_uuid], [false, n.uuid]);
    }
    const withMac = (await api(on, 'GET', `/v1/ports?address=${mac}`)).body.ports;
    assert.equal(withMac.length, 1);
  });

  test('two racing reports of a new server make one node', async () => {
    const mac = '52:54:00:dd:00:03';
    const rs = await Promise.all([1, 2].map((i) => api(on, 'POST', '/v1/discovery', report(inventory(mac), 1795290856000 + i))));
    assert.deepEqual(
      rs.map((r) => r.status),
      [200, 200],
      rs.map((r) => r.text).join('\n'),
    );
    assert.equal(rs.filter((r) => r.body.created).length, 1);
    assert.equal(rs[0]!.body.node_uuid, rs[1]!.body.node_uuid);
  });

  const BAD: [string, unknown, RegExp][] = [
    ['not an inventory event', { seq: 1, event: 'ready', inventory: inventory('52:54:00:dd:00:10') }, /event must be "inventory"/],
    ['no seq', { event: 'inventory', inventory: inventory('52:54:00:dd:00:11') }, /seq must be a non-negative integer/],
    [
      'a wrong inventory shape',
      report({ ...inventory('52:54:00:dd:00:12'), memory: { total: 'lots' } }),
      /Bad inventory: inventory\.memory\.total/,
    ],
    ['no NIC', report(inventory('52:54:00:dd:00:13', { interfaces: [] })), /names no NIC with a MAC address/],
    [
      'a BMC address that is not one',
      report({ ...inventory('52:54:00:dd:00:14'), bmc_address: 'bmc; rm -rf /' }),
      /bmc_address must be an IPv4 address/,
    ],
  ];

  test('bad reports are a 400 and enroll nothing', async () => {
    const before = (await api(on, 'GET', '/v1/nodes')).body.nodes.length;
    for (const [what, body, re] of BAD) {
      const r = await api(on, 'POST', '/v1/discovery', body);
      assert.equal(r.status, 400, `${what}: ${r.text}`);
      assert.match(JSON.parse(r.body.error_message).faultstring, re, what);
    }
    assert.equal((await api(on, 'GET', '/v1/nodes')).body.nodes.length, before);
  });

  test('over the size limit: 413 before the body is read', async () => {
    const big = inventory('52:54:00:dd:00:20');
    big.cpu.flags = Array.from({ length: 1000 }, (_, i) => `flag-${i}-${'x'.repeat(80)}`);
    const r = await api(on, 'POST', '/v1/discovery', report(big));
    assert.equal(r.status, 413, r.text);
  });

  test('a source outside IRONFLOW_DISCOVERY_SOURCES is refused with 403', async () => {
    const elsewhere = await startStack({ worker: false, app: { discovery: { enabled: true, sources: parseCidrList('10.20.0.0/16') } } });
    try {
      const r = await api(elsewhere, 'POST', '/v1/discovery', report(inventory('52:54:00:dd:00:30')));
      assert.equal(r.status, 403);
      assert.match(r.text, /accepted from 10\.20\.0\.0\/16 \(IRONFLOW_DISCOVERY_SOURCES\), not from 127\.0\.0\.1/);
      assert.equal((await api(elsewhere, 'GET', '/v1/nodes')).body.nodes.length, 0);
    } finally {
      await elsewhere.stop();
    }
  });

  test('a flood from one source runs into 429 with Retry-After', async () => {
    const limited = await startStack({
      worker: false,
      app: {
        discovery: {
          enabled: true,
          sources: parseCidrList('127.0.0.0/8'),
          limits: { perDeployment: { rate: 100, burst: 100 }, perSource: { rate: 0.01, burst: 3 }, failureCost: 1 },
        },
      },
    });
    try {
      const codes: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const r = await api(limited, 'POST', '/v1/discovery', report(inventory(`52:54:00:dd:01:0${i}`), 1795290857000 + i));
        codes.push(r.status);
        if (r.status === 429) retryAfter = r.headers.get('retry-after');
      }
      assert.deepEqual(codes, [200, 200, 200, 429, 429]);
      assert.ok(Number(retryAfter) >= 1);
    } finally {
      await limited.stop();
    }
  });
});
