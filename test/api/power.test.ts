// Power and boot-device control through the API and the real `baremetal` CLI,
// against real ipmi_sim BMCs, cross-checked with ipmitool; and the periodic power sync.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';
import { waitFor } from '../support/procs';
import { baremetal, baremetalJson } from '../support/baremetal';
import { runCommand } from '#activities/shared/command-runner';
import { powerSyncWorkflowId } from '#workflows/contracts/power';
import type { PassSummary } from '#workflows/sync-power-states';

async function ipmitoolPower(bmc: Bmc): Promise<string> {
  const r = await runCommand({
    file: 'ipmitool',
    args: ['-I', 'lanplus', '-C', '3', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.username, '-E', 'chassis', 'power', 'status'],
    secretEnv: { IPMI_PASSWORD: bmc.password },
    timeoutMs: 20_000,
  });
  return r.stdout.trim();
}

async function enroll(stack: TestStack, name: string, bmc: Bmc, extra: Record<string, unknown> = {}, via?: UdpRelay): Promise<string> {
  const r = await api(stack, 'POST', '/v1/nodes', {
    driver: 'ipmi',
    name,
    driver_info: {
      ipmi_address: (via ?? bmc).address,
      ipmi_port: (via ?? bmc).port,
      ipmi_username: bmc.username,
      ipmi_password: bmc.password,
    },
    ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.body.uuid;
}

async function settled(stack: TestStack, id: string): Promise<any> {
  return waitFor(
    async () => {
      const n = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
      return n.target_power_state === null && n.reservation === null ? n : undefined;
    },
    60_000,
    `node ${id} to settle`,
  );
}

describe('power control', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let node: string;
  before(async () => {
    stack = await startStack();
    bmc = await startBmc({ user: 'admin', password: 'Pa55w0rdIPMI', power: 0 });
    node = await enroll(stack, 'p1', bmc);
  });
  after(async () => {
    await stack.stop();
    await bmc.stop();
  });

  test('baremetal node power on turns the BMC on, as ipmitool sees it', async () => {
    const r = await baremetal(stack.url, ['node', 'power', 'on', 'p1']);
    assert.equal(r.code, 0, r.stderr);
    const n = await settled(stack, node);
    assert.equal(n.power_state, 'power on');
    assert.equal(bmc.readPower(), 1);
    assert.equal(await ipmitoolPower(bmc), 'Chassis Power is on');
  });

  test('power off through the API; target_power_state is set while in flight', async () => {
    const r = await api(stack, 'PUT', `/v1/nodes/${node}/states/power`, { target: 'power off' });
    assert.equal(r.status, 202);
    const during = (await api(stack, 'GET', `/v1/nodes/${node}`)).body;
    assert.ok(during.target_power_state === 'power off' || during.power_state === 'power off');
    assert.equal((await settled(stack, node)).power_state, 'power off');
    assert.equal(await ipmitoolPower(bmc), 'Chassis Power is off');
  });

  test('reboot ends powered on; soft power off falls through to hard off when the OS ignores it', async () => {
    assert.equal((await baremetal(stack.url, ['node', 'reboot', 'p1'])).code, 0);
    assert.equal((await settled(stack, node)).power_state, 'power on');
    assert.equal(bmc.readPower(), 1);
    // ipmi_sim records the ACPI soft-off request but leaves power on: our fallback must hard-off after the timeout.
    const r = await baremetal(stack.url, ['node', 'power', 'off', 'p1', '--soft', '--power-timeout', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await settled(stack, node)).power_state, 'power off');
    assert.ok(
      bmc.readEvents().some((e) => e.startsWith('shutdown')),
      'the soft shutdown was asked first',
    );
    assert.equal(bmc.readPower(), 0);
  });

  test('boot device set --persistent and show, as the BMC stores it', async () => {
    const set = await baremetal(stack.url, ['node', 'boot', 'device', 'set', 'p1', 'pxe', '--persistent']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(bmc.readBoot(), 'pxe');
    const show = await baremetalJson(stack.url, ['node', 'boot', 'device', 'show', 'p1']);
    assert.equal(show.boot_device, 'pxe');
    bmc.writeBoot('cdrom');
    assert.equal((await baremetalJson(stack.url, ['node', 'boot', 'device', 'show', 'p1'])).boot_device, 'cdrom');
    const supported = await api(stack, 'GET', `/v1/nodes/${node}/management/boot_device/supported`);
    assert.deepEqual(supported.body.supported_boot_devices, ['pxe', 'disk', 'cdrom', 'bios', 'safe']);
  });

  test("boot_mode (API 1.75): null until Ironflow sets a boot device in the node's mode, then that mode; deploy_boot_mode wins over capabilities", async () => {
    const b = await startBmc({ user: 'admin', password: 'Pa55w0rdUEFI', power: 0 });
    try {
      const id = await enroll(stack, 'p-uefi', b, { properties: { capabilities: 'cpu_vt:true,boot_mode:uefi' } });
      const at = async (version: string, sub = '') =>
        (await api(stack, 'GET', `/v1/nodes/${id}${sub}`, undefined, { 'X-OpenStack-Ironic-API-Version': version })).body;
      assert.equal((await at('1.75')).boot_mode, null);
      assert.equal((await at('1.75')).secure_boot, null);
      const set = await baremetal(stack.url, ['node', 'boot', 'device', 'set', 'p-uefi', 'pxe']);
      assert.equal(set.code, 0, set.stderr);
      assert.equal(b.readBoot(), 'pxe');
      assert.equal((await at('1.75')).boot_mode, 'uefi');
      assert.equal((await at('1.75', '/states')).boot_mode, 'uefi');
      assert.equal((await at('1.75', '/states')).secure_boot, null);
      for (const older of [await at('1.74'), await at('1.74', '/states')]) {
        assert.ok(!('boot_mode' in older) && !('secure_boot' in older), JSON.stringify(older));
      }
      assert.equal((await baremetalJson(stack.url, ['node', 'show', 'p-uefi'])).boot_mode, 'uefi');

      const patch = await api(stack, 'PATCH', `/v1/nodes/${id}`, [{ op: 'add', path: '/instance_info/deploy_boot_mode', value: 'bios' }]);
      assert.equal(patch.status, 200, patch.text);
      assert.equal((await baremetal(stack.url, ['node', 'boot', 'device', 'set', 'p-uefi', 'disk'])).code, 0);
      assert.equal(b.readBoot(), 'default');
      assert.equal((await at('1.78')).boot_mode, 'bios');
    } finally {
      await b.stop();
    }
  });

  test('bad power requests are refused before anything happens', async () => {
    const bad = await api(stack, 'PUT', `/v1/nodes/${node}/states/power`, { target: 'sideways' });
    assert.equal(bad.status, 400);
    assert.match(faultOf(bad.body), /"sideways" can not be performed/);
    const t = await api(stack, 'PUT', `/v1/nodes/${node}/states/power`, { target: 'power on', timeout: 0 });
    assert.equal(t.status, 400);
    assert.match(faultOf(t.body), /timeout has to be positive integer/);
    const dev = await api(stack, 'PUT', `/v1/nodes/${node}/management/boot_device`, { boot_device: 'floppy' });
    assert.equal(dev.status, 400);
    assert.match(faultOf(dev.body), /Invalid boot device floppy specified/);
    const noBmc = (await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi' })).body.uuid;
    const nb = await api(stack, 'PUT', `/v1/nodes/${noBmc}/states/power`, { target: 'power on' });
    assert.equal(nb.status, 400);
    assert.match(faultOf(nb.body), /Missing the following IPMI credentials/);
  });

  test('a wrong BMC password fails the action with a clear last_error, quickly', async () => {
    const other = await enroll(stack, 'badpw', bmc, {});
    await api(stack, 'PATCH', `/v1/nodes/${other}`, [{ op: 'add', path: '/driver_info/ipmi_password', value: 'wrong-password' }]);
    const started = Date.now();
    await api(stack, 'PUT', `/v1/nodes/${other}/states/power`, { target: 'power on' });
    const n = await settled(stack, other);
    assert.ok(Date.now() - started < 20_000, 'bad credentials are not retried');
    assert.match(n.last_error, /Failed to change power state .* "power on"/);
    assert.doesNotMatch(JSON.stringify(n) + stack.logs(), /wrong-password|Pa55w0rdIPMI/);
  });
});

describe('power sync', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let dead: Bmc;
  let relay: UdpRelay;
  let node: string;
  let deadNode: string;
  before(async () => {
    stack = await startStack();
    bmc = await startBmc({ power: 0 });
    dead = await startBmc({ power: 1 });
    node = await enroll(stack, 's1', bmc);
    // The second BMC sits behind a relay that can go silent: a BMC that died, then came back.
    relay = await startUdpRelay({ targetAddress: dead.address, targetPort: dead.port });
    deadNode = await enroll(stack, 's2', dead, {}, relay);
    for (const id of [node, deadNode]) {
      await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'manage' });
      await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state === 'manageable', 30_000, 'manageable');
    }
    await stack.startPowerSync({ intervalSec: 1, failureLimit: 2 });
  });
  after(async () => {
    await stack.stop();
    await bmc.stop();
    await dead.stop();
    await relay.close();
  });

  test('the sync records the hardware state, and a change made behind our back', async () => {
    await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${node}`)).body.power_state === 'power off', 30_000, 'first sync');
    bmc.writePower(1);
    await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${node}`)).body.power_state === 'power on', 30_000, 'sync sees power on');
    const hist = (await api(stack, 'GET', `/v1/nodes/${node}/history?detail=True`)).body.history;
    assert.ok(
      hist.some((h: any) => /from power off to power on \(found by power sync\)/.test(h.event) && h.user === 'ironflow:power-sync'),
    );
  });

  test('a dead BMC puts its node in maintenance after N failed syncs; it recovers when the BMC returns', async () => {
    await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${deadNode}`)).body.power_state === 'power on', 30_000, 'first read');
    relay.dead = true;
    const n = await waitFor(
      async () => {
        const b = (await api(stack, 'GET', `/v1/nodes/${deadNode}`)).body;
        return b.maintenance ? b : undefined;
      },
      90_000,
      'maintenance',
    );
    assert.equal(n.fault, 'power failure');
    assert.match(n.maintenance_reason, /could not read the BMC .* \(2 consecutive failures\)/);
    assert.match(n.last_error, /could not read the BMC/);
    const hist = (await api(stack, 'GET', `/v1/nodes/${deadNode}/history`)).body.history;
    assert.ok(hist.some((h: any) => h.severity === 'ERROR' && /put in maintenance/.test(h.event)));
    relay.dead = false;
    await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${deadNode}`)).body.maintenance === false, 90_000, 'recovery');
    const after = (await api(stack, 'GET', `/v1/nodes/${deadNode}`)).body;
    assert.equal(after.fault, null);
    assert.equal(after.power_state, 'power on');
    const back = (await api(stack, 'GET', `/v1/nodes/${deadNode}/history`)).body.history;
    assert.ok(back.some((h: any) => h.severity === 'INFO' && /answers again: maintenance for power failure cleared/.test(h.event)));
  });

  test('a pass that finds nothing new writes nothing; a site bigger than one batch is still read whole', async () => {
    const h = stack.temporal.workflow.getHandle(powerSyncWorkflowId(stack.cfg.temporal.taskQueue));
    const nextPass = (after: string | undefined) =>
      waitFor(
        async () => {
          const p = await h.query<PassSummary | null>('lastPowerSyncPass');
          return p && p.passId !== after ? p : undefined;
        },
        30_000,
        'a power-sync pass',
      );
    const rows = () => stack.db.node.findMany({ where: { uuid: { in: [node, deadNode] } }, orderBy: { id: 'asc' } });
    // Settled: a pass that read both nodes and found nothing to change or count.
    let p = await waitFor(
      async () => {
        const x = await h.query<PassSummary | null>('lastPowerSyncPass');
        const r = await rows();
        return x && x.read === 2 && x.changed === 0 && x.failed === 0 && r.every((n) => n.powerSyncFailures === 0) ? x : undefined;
      },
      60_000,
      'a quiet pass',
    );
    const before = await rows();
    const historyBefore = await stack.db.historyEvent.count();
    for (let i = 0; i < 2; i++) {
      p = await nextPass(p.passId);
      assert.deepEqual([p.nodes, p.read, p.changed, p.failed], [2, 2, 0, 0]);
    }
    assert.deepEqual(
      (await rows()).map((n) => n.updatedAt?.getTime()),
      before.map((n) => n.updatedAt?.getTime()),
    );
    assert.equal(await stack.db.historyEvent.count(), historyBefore);

    // Batches of one node: the first pass lists and reads one, the next ones list, then read both side by side.
    await stack.startPowerSync({ intervalSec: 1, failureLimit: 2, batchSize: 1 });
    const want = bmc.readPower() === 1 ? 'power off' : 'power on';
    bmc.writePower(want === 'power on' ? 1 : 0);
    await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${node}`)).body.power_state === want, 30_000, 'sync sees the flip');
    p = await nextPass(p.passId);
    p = await nextPass(p.passId);
    assert.deepEqual([p.nodes, p.read, p.failed], [2, 2, 0]);
    const hist = (await api(stack, 'GET', `/v1/nodes/${node}/history`)).body.history;
    assert.ok(hist.some((x: any) => new RegExp(`to ${want} \\(found by power sync\\)`).test(x.event)));
  });
});
