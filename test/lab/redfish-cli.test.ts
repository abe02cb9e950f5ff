// Redfish nodes through the real `baremetal` CLI: simulated nodes (in-memory backends)
// behind the lab's Redfish BMC emulator (HTTPS, the lab's CA named in
// redfish_verify_ca). Enroll with --driver redfish, manage, provide, power on/off/
// reboot, boot device set/show, power sync noticing a change made behind Ironflow's
// back; then the bad answers a real BMC gives: a dropped session (401), a stale ETag
// (412), a 5xx once and for good, a hung request, a BMC that says On late, a wrong
// password: retried, or failing with a clear last_error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { waitFor } from '../support/procs';
import { MemoryBackend } from './redfish-bmc/memory-backend';
import { startRedfishBmc, type RedfishBmc } from './redfish-bmc/server';

const PASSWORD = 'rf-Secret-7f3a';

describe('redfish nodes through the baremetal CLI', () => {
  let stack: TestStack;
  let bmc: RedfishBmc;
  let dir: string;
  const backends = { 'lab-0': new MemoryBackend(), 'lab-1': new MemoryBackend() };

  const node = async (id: string) => (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
  /** Runs a CLI command and waits until the node holds no lock and no targets. */
  async function cli(id: string, args: string[]): Promise<any> {
    const r = await baremetal(stack.url, args);
    assert.equal(r.code, 0, `baremetal ${args.join(' ')}: ${r.stderr}`);
    return settled(id);
  }
  const settled = (id: string) =>
    waitFor(
      async () => {
        const n = await node(id);
        return n.target_power_state === null && n.target_provision_state === null && n.reservation === null ? n : undefined;
      },
      120_000,
      `node ${id} to settle`,
    );
  async function enroll(name: keyof typeof backends): Promise<any> {
    const created = await baremetalJson(stack.url, [
      'node',
      'create',
      '--driver',
      'redfish',
      '--name',
      name,
      ...['redfish_address', bmc.url, 'redfish_system_id', bmc.systemPath(name), 'redfish_username', bmc.username]
        .concat(['redfish_password', PASSWORD, 'redfish_verify_ca', bmc.caFile])
        .flatMap((v, i, a) => (i % 2 ? [] : ['--driver-info', `${v}=${a[i + 1]}`])),
    ]);
    return created;
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redfish-cli-'));
    bmc = await startRedfishBmc({
      dir,
      password: PASSWORD,
      powerDelayMs: 300,
      systems: Object.entries(backends).map(([id, backend]) => ({ id, backend })),
    });
    stack = await startStack({ automatedClean: 'none', redfish: { requestTimeoutMs: 1000 } });
  });
  after(async () => {
    await stack?.stop();
    await bmc?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('enroll, validate, manage, provide; power on/off/reboot; boot device; power sync sees an out-of-band change', async () => {
    const created = await enroll('lab-0');
    assert.equal(created.driver, 'redfish');
    assert.equal(created.power_interface, 'redfish');
    assert.equal(created.management_interface, 'redfish');
    assert.equal(created.driver_info.redfish_password, '******');
    const v = await baremetalJson(stack.url, ['node', 'validate', 'lab-0']);
    const byName = Object.fromEntries(v.map((r: any) => [r.Interface, r]));
    for (const i of ['power', 'management']) assert.equal(byName[i].Result, true, `${i}: ${byName[i].Reason}`);
    const props = await api(stack, 'GET', '/v1/drivers/redfish/properties');
    assert.ok(props.body.redfish_verify_ca && props.body.redfish_auth_type, JSON.stringify(props.body));

    let n = await cli('lab-0', ['node', 'manage', 'lab-0', '--wait', '60']);
    assert.equal(n.provision_state, 'manageable', n.last_error);
    n = await cli('lab-0', ['node', 'provide', 'lab-0', '--wait', '60']);
    assert.equal(n.provision_state, 'available', n.last_error);

    n = await cli('lab-0', ['node', 'power', 'on', 'lab-0']);
    assert.equal(n.power_state, 'power on', n.last_error);
    assert.equal(backends['lab-0'].state.power, 'On');
    n = await cli('lab-0', ['node', 'reboot', 'lab-0']);
    assert.equal(n.power_state, 'power on', n.last_error);
    n = await cli('lab-0', ['node', 'power', 'off', 'lab-0']);
    assert.equal(n.power_state, 'power off', n.last_error);
    assert.equal(n.last_error, null);
    // The workflow's reboot is off then on, each read back from the BMC.
    assert.deepEqual(backends['lab-0'].state.resets, ['On', 'ForceOff', 'On', 'ForceOff']);

    const set = await baremetal(stack.url, ['node', 'boot', 'device', 'set', 'lab-0', 'pxe']);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(await baremetalJson(stack.url, ['node', 'boot', 'device', 'show', 'lab-0']), {
      boot_device: 'pxe',
      persistent: false,
    });
    const setDisk = await baremetal(stack.url, ['node', 'boot', 'device', 'set', 'lab-0', 'disk', '--persistent']);
    assert.equal(setDisk.code, 0, setDisk.stderr);
    assert.deepEqual(await baremetalJson(stack.url, ['node', 'boot', 'device', 'show', 'lab-0']), {
      boot_device: 'disk',
      persistent: true,
    });
    assert.equal(backends['lab-0'].state.boot.target, 'Hdd');
    const supported = await baremetalJson(stack.url, ['node', 'boot', 'device', 'show', 'lab-0', '--supported']);
    assert.ok(supported.supported_boot_devices.includes('pxe'), JSON.stringify(supported));

    // Someone holds the power button: power sync notices.
    await stack.startPowerSync({ intervalSec: 1, failureLimit: 1000 }); // the wrong password below must not send lab-1 to maintenance
    backends['lab-0'].setPower('On');
    await waitFor(async () => ((await node('lab-0')).power_state === 'power on' ? true : undefined), 60_000, 'power sync to see power on');
    const hist = (await api(stack, 'GET', `/v1/nodes/${created.uuid}/history?detail=True&limit=1000`)).body.history;
    assert.ok(
      hist.some((h: any) => /from power off to power on \(found by power sync\)/.test(h.event) && h.user === 'ironflow:power-sync'),
      hist.map((h: any) => h.event).join('\n'),
    );
    assert.ok(!JSON.stringify(bmc.requests).includes(PASSWORD), 'the emulator records no password');
  });

  test('bad answers: 401 re-login, 412 retry, 5xx once retried, 5xx for good and a wrong password fail with a clear last_error, a hang retried, On late waited for', async () => {
    const id = (await enroll('lab-1')).uuid;
    const b = backends['lab-1'];
    let n = await cli(id, ['node', 'manage', id, '--wait', '60']);
    assert.equal(n.provision_state, 'manageable', n.last_error);

    // The BMC forgot our session: the client logs in again, the operator sees nothing.
    const sessions = bmc.stats.sessionsCreated;
    bmc.expireSessions();
    n = await cli(id, ['node', 'power', 'on', id]);
    assert.equal(n.power_state, 'power on', n.last_error);
    assert.equal(bmc.stats.sessionsCreated, sessions + 1);

    // A stale ETag: re-read, PATCH again.
    bmc.failNext({ status: 412, method: 'PATCH' });
    const set = await baremetal(stack.url, ['node', 'boot', 'device', 'set', id, 'pxe']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(b.state.boot.target, 'Pxe');

    // One 503 on the reset: the activity is retried.
    bmc.failNext({ status: 503, method: 'POST', path: /ComputerSystem\.Reset/ });
    n = await cli(id, ['node', 'power', 'off', id]);
    assert.equal(n.power_state, 'power off', n.last_error);
    assert.equal(n.last_error, null);

    // A hung reset request: the client gives up after its deadline, the retry goes through.
    bmc.failNext({ hang: true, method: 'POST', path: /ComputerSystem\.Reset/ });
    n = await cli(id, ['node', 'power', 'on', id]);
    assert.equal(n.power_state, 'power on', n.last_error);

    // The BMC takes 4 s to say On: the power action waits for it.
    await cli(id, ['node', 'power', 'off', id]);
    bmc.lateOn(4000);
    const started = performance.now();
    n = await cli(id, ['node', 'power', 'on', id]);
    assert.equal(n.power_state, 'power on', n.last_error);
    assert.ok(performance.now() - started >= 4000, 'done only once the BMC said On');

    // 500 on every reset: retried, then a failure that says what the BMC said.
    bmc.failNext({ status: 500, method: 'POST', path: /ComputerSystem\.Reset/, times: 100 });
    await baremetal(stack.url, ['node', 'power', 'off', id]);
    n = await settled(id);
    assert.equal(n.power_state, 'power on');
    assert.match(n.last_error, /Failed to change power state .* "power off".*HTTP 500: Injected fault/);

    // A wrong password: refused at once, not retried, and the message names the user only.
    const patch = await baremetal(stack.url, ['node', 'set', id, '--driver-info', 'redfish_password=not-the-password']);
    assert.equal(patch.code, 0, patch.stderr);
    await baremetal(stack.url, ['node', 'power', 'off', id]);
    n = await settled(id);
    assert.match(n.last_error, /refused the credentials of user "admin"/);
    assert.ok(!n.last_error.includes('not-the-password') && !n.last_error.includes(PASSWORD));
  });
});
