// inject_nmi against real ipmi_sim BMCs (native client and ipmitool) and fake-hardware,
// and what Ironic serves for the interfaces IPMI lacks: bios, firmware, vmedia, vendor passthru.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { baremetal, baremetalJson } from '../support/baremetal';

const LATEST = { 'X-OpenStack-Ironic-API-Version': 'latest' };

async function history(stack: TestStack, uuid: string): Promise<string[]> {
  const r = await api(stack, 'GET', `/v1/nodes/${uuid}/history`, undefined, LATEST);
  assert.equal(r.status, 200, r.text);
  return r.body.history.map((h: { event: string }) => h.event);
}

describe('inject_nmi, bios, firmware, vmedia, vendor passthru', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let fake: string;
  before(async () => {
    stack = await startStack();
    bmc = await startBmc({ user: 'admin', password: 'Pa55w0rdNMI', power: 1 });
    const r = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'fake-0' });
    assert.equal(r.status, 201, r.text);
    fake = r.body.uuid;
  });
  after(async () => {
    await stack.stop();
    await bmc.stop();
  });

  async function enrollIpmi(name: string, iface: 'ipmi' | 'ipmitool'): Promise<string> {
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      name,
      management_interface: iface,
      power_interface: iface,
      driver_info: { ipmi_address: bmc.address, ipmi_port: bmc.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
    });
    assert.equal(r.status, 201, r.text);
    return r.body.uuid;
  }

  test('baremetal node inject nmi on fake-hardware succeeds and is recorded in history', async () => {
    const r = await baremetal(stack.url, ['node', 'inject', 'nmi', 'fake-0']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await history(stack, fake)).includes('inject_nmi finished'));
  });

  for (const iface of ['ipmi', 'ipmitool'] as const) {
    test(`inject_nmi through ${iface} sends the diagnostic interrupt; ipmi_sim refuses it (0xcc) and the error says so`, async () => {
      const uuid = await enrollIpmi(`nmi-${iface}`, iface);
      const r = await api(stack, 'PUT', `/v1/nodes/${uuid}/management/inject_nmi`, {}, LATEST);
      // ipmi_sim (OpenIPMI 2.0.33) answers Chassis Control 0x04 with "invalid data field in request".
      assert.equal(r.status, 500, r.text);
      assert.match(faultOf(r.body), /Failed to inject NMI to node .*invalid data field in request \(0xcc\)/i);
      assert.ok((await history(stack, uuid)).some((e) => /Failed to inject NMI/.test(e)));
      assert.equal(bmc.readPower(), 1, 'the interrupt is not a power action');
      const n = (await api(stack, 'GET', `/v1/nodes/${uuid}`, undefined, LATEST)).body;
      assert.equal(n.reservation, null);
      assert.equal(n.power_state, null); // never read: the NMI did not touch power state
    });
  }

  test('inject_nmi below 1.29 is 406; a body with arguments is 400; an unknown node 404', async () => {
    const old = await api(stack, 'PUT', `/v1/nodes/${fake}/management/inject_nmi`, {}, { 'X-OpenStack-Ironic-API-Version': '1.28' });
    assert.equal(old.status, 406);
    assert.match(faultOf(old.body), /requires API version 1\.29/);
    const bad = await api(stack, 'PUT', `/v1/nodes/${fake}/management/inject_nmi`, { force: true }, LATEST);
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /'force' was unexpected/);
    const missing = await api(stack, 'PUT', `/v1/nodes/nosuch/management/inject_nmi`, {}, LATEST);
    assert.equal(missing.status, 404);
  });

  test('bios: an empty list (CLI and API), a setting is 404, below 1.40 is 406', async () => {
    const r = await baremetal(stack.url, ['node', 'bios', 'setting', 'list', 'fake-0', '-f', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${fake}/bios`, undefined, LATEST)).body, { bios: [] });
    const one = await api(stack, 'GET', `/v1/nodes/${fake}/bios/ProcVirtualization`, undefined, LATEST);
    assert.equal(one.status, 404);
    assert.match(faultOf(one.body), new RegExp(`Node ${fake} doesn't have a BIOS setting 'ProcVirtualization'`));
    assert.equal((await api(stack, 'GET', `/v1/nodes/${fake}/bios`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.39' })).status, 406);
  });

  test('firmware is an empty list from 1.86', async () => {
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${fake}/firmware`, undefined, LATEST)).body, { firmware: [] });
  });

  test('vmedia: 400 naming the driver for GET, POST and DELETE; 406 below 1.89', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const body = method === 'POST' ? { device_type: 'CDROM', image_url: 'http://example.com/x.iso' } : undefined;
      const r = await api(stack, method, `/v1/nodes/${fake}/vmedia`, body, LATEST);
      assert.equal(r.status, 400, `${method}: ${r.text}`);
      assert.match(faultOf(r.body), /Driver fake-hardware does not support virtual media/);
    }
    assert.equal(
      (await api(stack, 'GET', `/v1/nodes/${fake}/vmedia`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.88' })).status,
      406,
    );
  });

  test('vendor passthru: no methods (node and driver, CLI and API); calling one is 400 naming none', async () => {
    const list = await baremetal(stack.url, ['node', 'passthru', 'list', 'fake-0', '-f', 'json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), []);
    assert.deepEqual((await api(stack, 'GET', `/v1/nodes/${fake}/vendor_passthru/methods`)).body, {});
    assert.deepEqual((await api(stack, 'GET', '/v1/drivers/ipmi/vendor_passthru/methods')).body, {});
    const call = await baremetal(stack.url, ['node', 'passthru', 'call', 'fake-0', 'send_raw']);
    assert.equal(call.code, 1);
    assert.match(call.stderr, /No handler for method send_raw.*available: none.*\(HTTP 400\)/);
    const none = await api(stack, 'POST', `/v1/nodes/${fake}/vendor_passthru`, {});
    assert.equal(none.status, 400);
    assert.match(faultOf(none.body), /Method not specified/);
    const drv = await api(stack, 'POST', '/v1/drivers/ipmi/vendor_passthru?method=bmc_reset', {});
    assert.equal(drv.status, 400);
    assert.match(faultOf(drv.body), /No handler for method bmc_reset/);
    assert.equal((await api(stack, 'GET', '/v1/drivers/nosuch/vendor_passthru/methods')).status, 404);
    const dl = await baremetalJson(stack.url, ['driver', 'passthru', 'list', 'ipmi']);
    assert.deepEqual(dl, []);
  });
});
