// fake-hardware through the real `baremetal` CLI, as consumers' CI drives Ironic's:
// nothing is touched (no BMC, no ports, no image), every transition ends in the state
// Ironic's fake-hardware reaches. States are checked over HTTP. Each transition's time is
// printed as a diagnostic, not asserted: the server's (history events) and the CLI's, which
// includes its own start (~1 s) and `--wait` polling (every 2 s for manage, 10 s for provide,
// deploy and undeploy: ironicclient's poll intervals).
//
// Automated cleaning is `metadata`, the default users get: cleaning a fake node must do nothing.
// provide, deploy and undeploy need the fake deploy/clean steps (the deploy step table, issue #11).
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { api, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { waitFor } from '../support/procs';
import { configDriveText, syntheticIso } from '../support/config-drive';

const INSTANCE = '6f0c3b4e-2a51-4a3e-9d8e-0b7c1f2e3d4a';

async function node(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

/** How long the node's last operation took on the server: from its "started" history event to the event after it. */
async function serverMs(stack: TestStack, id: string): Promise<number | string> {
  const events: { created_at: string; event: string }[] = (await api(stack, 'GET', `/v1/nodes/${id}/history?limit=1000`)).body.history;
  const i = events.map((e) => / started/.test(e.event)).lastIndexOf(true);
  if (i < 0 || i === events.length - 1) return '?';
  return Date.parse(events[events.length - 1].created_at) - Date.parse(events[i].created_at);
}

/** Runs a CLI command, prints how long it took and waits until the node holds no lock and no power target. */
async function transition(t: TestContext, stack: TestStack, id: string, args: string[]): Promise<any> {
  const started = performance.now();
  const r = await baremetal(stack.url, args);
  assert.equal(r.code, 0, `baremetal ${args.join(' ')}: ${r.stderr}`);
  const n = await waitFor(
    async () => {
      const got = await node(stack, id);
      return got.target_power_state === null && got.target_provision_state === null && got.reservation === null ? got : undefined;
    },
    60_000,
    `node ${id} to settle after ${args.join(' ')}`,
  );
  t.diagnostic(
    `baremetal ${args.filter((a) => a !== '--wait' && !/^\d+$/.test(a)).join(' ')}: ${Math.round(performance.now() - started)} ms (CLI start and --wait polling included), server ${await serverMs(stack, id)} ms`,
  );
  return n;
}

describe('fake-hardware through the baremetal CLI', () => {
  let stack: TestStack;
  let id: string;
  before(async () => {
    stack = await startStack({ automatedClean: 'metadata' });
  });
  after(async () => stack.stop());

  test('driver list, show and property list know fake-hardware', async () => {
    const list = await baremetalJson(stack.url, ['driver', 'list']);
    assert.deepEqual(
      list.map((d: any) => d['Supported driver(s)']),
      ['fake-hardware', 'ipmi', 'redfish'],
    );
    const show = await baremetalJson(stack.url, ['driver', 'show', 'fake-hardware']);
    for (const t of ['power', 'management', 'boot', 'deploy', 'bios', 'console', 'inspect', 'raid', 'rescue', 'vendor']) {
      assert.equal(show[`default_${t}_interface`], 'fake', t);
    }
    assert.equal(show.default_network_interface, 'noop');
    assert.equal(show.default_storage_interface, 'noop');
    assert.equal(show.enabled_power_interfaces, 'fake');
    const props = await api(stack, 'GET', '/v1/drivers/fake-hardware/properties');
    assert.equal(props.status, 200);
    assert.deepEqual(props.body, {}); // no driver_info key is required or read
  });

  test('create with no driver_info; validate passes every interface that matters', async () => {
    const created = await baremetalJson(stack.url, ['node', 'create', '--driver', 'fake-hardware', '--name', 'fake-1']);
    id = created.uuid;
    assert.equal(created.provision_state, 'enroll');
    assert.equal(created.power_interface, 'fake');
    assert.equal(created.deploy_interface, 'fake');
    const v = await baremetalJson(stack.url, ['node', 'validate', 'fake-1']);
    const byName = Object.fromEntries(v.map((r: any) => [r.Interface, r]));
    for (const i of ['power', 'management', 'boot', 'deploy', 'network', 'storage'])
      assert.equal(byName[i].Result, true, `${i}: ${byName[i].Reason}`);
  });

  test('manage --wait: enroll -> manageable', async (t) => {
    const started = performance.now();
    await baremetalJson(stack.url, ['node', 'show', 'fake-1']);
    t.diagnostic(`baremetal node show (the CLI's own start and one GET): ${Math.round(performance.now() - started)} ms`);
    const n = await transition(t, stack, id, ['node', 'manage', 'fake-1', '--wait', '60']);
    assert.equal(n.provision_state, 'manageable');
    assert.equal(n.last_error, null);
  });

  test('power on and off: the state is kept in the database and read back', async (t) => {
    let n = await transition(t, stack, id, ['node', 'power', 'on', 'fake-1']);
    assert.equal(n.power_state, 'power on');
    assert.equal(n.last_error, null);
    n = await transition(t, stack, id, ['node', 'power', 'off', 'fake-1']);
    assert.equal(n.power_state, 'power off');
    n = await transition(t, stack, id, ['node', 'reboot', 'fake-1']);
    assert.equal(n.power_state, 'power on');
    const events = (await baremetalJson(stack.url, ['node', 'history', 'list', 'fake-1'])).map((e: any) => e['Description of the event']);
    assert.ok(
      events.some((e: string) => /Power state changed from power on to power off/.test(e)),
      events.join('\n'),
    );
  });

  test('boot device set and show, kept in the database', async () => {
    const set = await baremetal(stack.url, ['node', 'boot', 'device', 'set', 'fake-1', 'disk', '--persistent']);
    assert.equal(set.code, 0, set.stderr);
    const show = await baremetalJson(stack.url, ['node', 'boot', 'device', 'show', 'fake-1']);
    assert.equal(show.boot_device, 'disk');
    assert.equal(show.persistent, true);
  });

  // From here on the fake deploy and clean steps are needed (deploy step table branch).
  test('provide --wait: manageable -> available, cleaning does nothing', async (t) => {
    const n = await transition(t, stack, id, ['node', 'provide', 'fake-1', '--wait', '60']);
    assert.equal(n.provision_state, 'available', n.last_error);
    assert.equal(n.last_error, null);
  });

  test('deploy --wait with no image, no port, no boot config, a config drive: available -> active', async (t) => {
    const set = await baremetal(stack.url, ['node', 'set', 'fake-1', '--instance-uuid', INSTANCE, '--instance-info', 'display_name=web-1']);
    assert.equal(set.code, 0, set.stderr);
    const drive = JSON.stringify({ meta_data: { hostname: 'fake-1.example' }, user_data: '#cloud-config\n' });
    const n = await transition(t, stack, id, ['node', 'deploy', 'fake-1', '--config-drive', drive, '--wait', '60']);
    assert.equal(n.provision_state, 'active', n.last_error);
    assert.equal(n.last_error, null);
    assert.equal(n.instance_uuid, INSTANCE);
    // Accepted and stored, masked in responses and sealed at rest.
    assert.deepEqual(n.instance_info, { display_name: 'web-1', configdrive: '******' });
    const row = await stack.db.node.findUniqueOrThrow({ where: { uuid: id } });
    assert.match(row.instanceInfo, /"configdrive"/);
    assert.doesNotMatch(row.instanceInfo, /fake-1\.example|cloud-config/);
  });

  test('rescue --wait and unrescue --wait with the fake rescue interface: the states only, the hash masked then cleared', async (t) => {
    const r = await transition(t, stack, id, ['node', 'rescue', 'fake-1', '--rescue-password', 'fake-secret-pw', '--wait', '60']);
    assert.equal(r.provision_state, 'rescue', r.last_error);
    assert.equal(r.instance_info.hashed_rescue_password, '******');
    const row = await stack.db.node.findUniqueOrThrow({ where: { uuid: id } });
    assert.doesNotMatch(row.instanceInfo, /fake-secret-pw|\$6\$/, 'sealed at rest, never the clear password');
    const u = await transition(t, stack, id, ['node', 'unrescue', 'fake-1', '--wait', '60']);
    assert.equal(u.provision_state, 'active', u.last_error);
    assert.deepEqual(u.instance_info, { display_name: 'web-1', configdrive: '******' });
  });

  test('undeploy --wait: active -> available, powered off, instance_info and instance_uuid cleared', async (t) => {
    const n = await transition(t, stack, id, ['node', 'undeploy', 'fake-1', '--wait', '60']);
    assert.equal(n.provision_state, 'available', n.last_error);
    assert.equal(n.last_error, null);
    assert.equal(n.power_state, 'power off');
    assert.deepEqual(n.instance_info, {});
    assert.equal(n.instance_uuid, null);
  });

  test('deploy with a gzipped ISO config drive (the string form): accepted, masked, cleared by undeploy', async (t) => {
    const iso = configDriveText(syntheticIso());
    const res = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active', configdrive: iso });
    assert.equal(res.status, 202, res.text);
    const active = await waitFor(
      async () => {
        const got = await node(stack, id);
        return got.target_provision_state === null && got.reservation === null ? got : undefined;
      },
      60_000,
      `node ${id} to settle after deploy`,
    );
    assert.equal(active.provision_state, 'active', active.last_error);
    assert.deepEqual(active.instance_info, { configdrive: '******' });
    const row = await stack.db.node.findUniqueOrThrow({ where: { uuid: id } });
    assert.ok(!row.instanceInfo.includes(iso), 'the config drive is stored sealed');
    const n = await transition(t, stack, id, ['node', 'undeploy', 'fake-1', '--wait', '60']);
    assert.equal(n.provision_state, 'available', n.last_error);
    assert.deepEqual(n.instance_info, {});
    assert.equal(n.instance_uuid, null);
  });
});
