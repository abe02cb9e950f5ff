// Inspection on the simulated lab through the real `baremetal` CLI: a node enrolled with
// BMC credentials and one port is inspected (PXE over real TFTP, ramdisk/init in inspect
// mode reading the lab's fake machine); its inventory is what the lab simulated, its
// properties and the second NIC's port are set once (a re-inspection duplicates nothing),
// the history holds the diff, GET /v1/nodes/{id}/inventory returns it. Then abort in
// inspect wait, the refusals, and (its own stack, short timeout) a node whose ramdisk
// never boots: last_error names the step that never happened, from the lab's dnsmasq log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baremetal } from '../support/baremetal';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startLab, type Lab, type LabNode } from '../lab/lab';

const GiB = 1024 ** 3;
const V81 = { 'X-OpenStack-Ironic-API-Version': '1.81' };
const FAST_RAMDISK = { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' };

async function enroll(stack: TestStack, node: LabNode, opts: { mac?: string; inspect?: string } = {}): Promise<string> {
  const r = await api(stack, 'POST', '/v1/nodes', {
    driver: 'ipmi',
    name: node.name,
    inspect_interface: opts.inspect ?? 'agent',
    driver_info: {
      ipmi_address: node.bmc.address,
      ipmi_port: node.bmc.port,
      ipmi_username: node.bmc.username,
      ipmi_password: node.bmc.password,
    },
  });
  assert.equal(r.status, 201, r.text);
  const uuid = r.body.uuid as string;
  const p = await api(stack, 'POST', '/v1/ports', { node_uuid: uuid, address: opts.mac ?? node.mac });
  assert.equal(p.status, 201, p.text);
  const m = await baremetal(stack.url, ['node', 'manage', uuid, '--wait', '60']);
  assert.equal(m.code, 0, m.stderr);
  return uuid;
}

async function show(stack: TestStack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`, undefined, V81)).body;
}

async function ports(stack: TestStack, id: string): Promise<{ address: string; pxe_enabled: boolean }[]> {
  const r = await api(stack, 'GET', `/v1/nodes/${id}/ports?detail=true`, undefined, V81);
  return (r.body.ports as { address: string; pxe_enabled: boolean }[]).sort((a, b) => a.address.localeCompare(b.address));
}

async function history(stack: TestStack, id: string): Promise<string[]> {
  const r = await api(stack, 'GET', `/v1/nodes/${id}/history`, undefined, V81);
  return (r.body.history as { event: string }[]).map((e) => e.event);
}

describe('inspection on the simulated lab', () => {
  let stack: TestStack;
  let lab: Lab;
  let work: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-inspect-'));
    const labDir = path.join(work, 'lab');
    stack = await startStack({ app: { inspectTimeoutSec: 120 }, data: () => ({ dnsmasqLog: path.join(labDir, 'dnsmasq.log') }) });
    lab = await startLab({
      nodes: 3,
      dir: labDir,
      tftpRoot: stack.data.bootRoot,
      diskSize: 8 * GiB,
      cpus: 4,
      memoryMb: 2048,
      ramdiskEnv: FAST_RAMDISK,
    });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('baremetal node inspect --wait: properties, ports and the inventory are what the lab simulated', async () => {
    const node = lab.nodes[0]!;
    const uuid = await enroll(stack, node);
    const r = await baremetal(stack.url, ['--os-baremetal-api-version', '1.81', 'node', 'inspect', uuid, '--wait', '150']);
    assert.equal(r.code, 0, r.stderr);
    const n = await show(stack, uuid);
    assert.equal(n.provision_state, 'manageable', n.last_error);
    assert.equal(n.target_provision_state, null);
    assert.equal(n.last_error, null);
    assert.ok(n.inspection_started_at && n.inspection_finished_at, 'inspection times are set');
    assert.equal(n.power_state, 'power off', 'inspection ends with the node off');
    // Ironic's rules: the smallest disk of at least 4 GiB is the root disk; local_gb is its GiB minus 1.
    assert.deepEqual(
      { cpus: n.properties.cpus, memory_mb: n.properties.memory_mb, local_gb: n.properties.local_gb, cpu_arch: n.properties.cpu_arch },
      { cpus: 4, memory_mb: 2048, local_gb: 7, cpu_arch: 'x86_64' },
    );
    assert.equal(n.properties.capabilities, 'boot_mode:bios');
    // The booting NIC was the enrolled port; the second NIC gets a port, not PXE-enabled.
    const want = [
      { address: node.hardware.nic, pxe_enabled: true },
      { address: node.hardware.secondNic, pxe_enabled: false },
    ].sort((a, b) => a.address.localeCompare(b.address));
    assert.deepEqual(
      (await ports(stack, uuid)).map((p) => ({ address: p.address, pxe_enabled: p.pxe_enabled })),
      want,
    );

    // What `baremetal node inventory save` (python-ironicclient >= 5.1; Debian bookworm ships 5.0.1, without it) asks for.
    const got = await api(stack, 'GET', `/v1/nodes/${uuid}/inventory`, undefined, V81);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(Object.keys(got.body).sort(), ['inventory', 'plugin_data']);
    const doc = got.body;
    const inv = doc.inventory;
    assert.deepEqual(
      inv.disks.map((d: any) => [d.name, d.size, d.serial]),
      [['/dev/vda', 8 * GiB, `lab-disk-${node.name}`]],
    );
    assert.deepEqual(
      inv.interfaces.map((i: any) => [i.mac_address, i.pxe_booted]),
      [
        [node.hardware.nic, true],
        [node.hardware.secondNic, false],
      ],
    );
    assert.equal(inv.cpu.count, 4);
    assert.equal(inv.memory.physical_mb, 2048);
    assert.equal(inv.boot.current_boot_mode, 'bios');
    assert.equal(doc.plugin_data.root_disk.name, '/dev/vda');
    assert.equal(doc.plugin_data.boot_interface, node.hardware.nic);
    assert.deepEqual(doc.plugin_data.ports_created, [node.hardware.secondNic]);

    const events = await history(stack, uuid);
    const applied = events.filter((e) => e.startsWith('Inspection applied'));
    assert.equal(applied.length, 1);
    assert.match(applied[0]!, /cpus: unset -> 4; memory_mb: unset -> 2048; local_gb: unset -> 7; cpu_arch: unset -> x86_64/);
    assert.match(applied[0]!, new RegExp(`ports created: ${node.hardware.secondNic}`));
    // The inventory never travelled through Temporal: the workflow saw only its id.
    const wf = await stack.temporal.workflow.getHandle(`node-${uuid}`).fetchHistory();
    assert.ok(!JSON.stringify(wf).includes('Ironflow Lab CPU') && !Buffer.from(JSON.stringify(wf)).includes('lab-disk-'));

    // Re-inspection (a property changed by hand meanwhile): updated, nothing duplicated.
    const patch = await baremetal(stack.url, [
      'node',
      'set',
      uuid,
      '--property',
      'cpus=1',
      '--property',
      'capabilities=cpu_vt:true,boot_mode:uefi',
    ]);
    assert.equal(patch.code, 0, patch.stderr);
    const again = await baremetal(stack.url, ['--os-baremetal-api-version', '1.81', 'node', 'inspect', uuid, '--wait', '150']);
    assert.equal(again.code, 0, again.stderr);
    const n2 = await show(stack, uuid);
    assert.equal(n2.properties.cpus, 4);
    assert.equal(n2.properties.capabilities, 'cpu_vt:true,boot_mode:bios', 'boot_mode merged into the existing capabilities');
    assert.equal((await ports(stack, uuid)).length, 2);
    const applied2 = (await history(stack, uuid)).filter((e) => e.startsWith('Inspection applied'));
    assert.equal(applied2.length, 2);
    assert.match(applied2[1]!, /cpus: 1 -> 4; capabilities: cpu_vt:true,boot_mode:uefi -> cpu_vt:true,boot_mode:bios; no new ports/);
  });

  test('abort in inspect wait: inspect failed with the reason, the node off and its boot config gone; manage returns it', async () => {
    const node = lab.nodes[1]!;
    // A port with a MAC the node does not have: it never boots the ramdisk and stays in inspect wait.
    const uuid = await enroll(stack, node, { mac: '52:54:00:ee:00:01' });
    const r = await api(stack, 'PUT', `/v1/nodes/${uuid}/states/provision`, { target: 'inspect' });
    assert.equal(r.status, 202, r.text);
    await waitFor(async () => (await show(stack, uuid)).provision_state === 'inspect wait', 60_000, 'inspect wait');
    const abort = await baremetal(stack.url, ['node', 'abort', uuid]);
    assert.equal(abort.code, 0, abort.stderr);
    const n = await waitFor(
      async () => {
        const x = await show(stack, uuid);
        return x.provision_state === 'inspect failed' ? x : undefined;
      },
      60_000,
      'inspect failed',
    );
    assert.match(n.last_error, /Inspection of node .* failed: Aborted by /);
    assert.equal(n.target_provision_state, null);
    assert.equal(n.power_state, 'power off');
    assert.ok(!fs.existsSync(path.join(stack.data.bootRoot, 'pxelinux.cfg', '01-52-54-00-ee-00-01')));
    const inv = await api(stack, 'GET', `/v1/nodes/${uuid}/inventory`, undefined, V81);
    assert.equal(inv.status, 404);
    const m = await baremetal(stack.url, ['node', 'manage', uuid, '--wait', '30']);
    assert.equal(m.code, 0, m.stderr);
    assert.equal((await show(stack, uuid)).provision_state, 'manageable');
  });

  test('refusals: wrong state, no-inspect, no PXE port, old API versions, unknown or never-inspected node', async () => {
    const node = lab.nodes[2]!;
    const created = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'no-port', inspect_interface: 'agent' });
    const bare = created.body.uuid as string;
    // enroll: inspect is not a transition from there (Ironic: 400 "can not be performed ... in state enroll").
    const enrollState = await api(stack, 'PUT', `/v1/nodes/${bare}/states/provision`, { target: 'inspect' });
    assert.ok(enrollState.status === 400 || enrollState.status === 409, enrollState.text);
    assert.match(faultOf(enrollState.body), /enroll/);
    // manageable without a PXE-enabled port: nothing to boot the ramdisk from.
    await stack.db.node.update({ where: { uuid: bare }, data: { provisionState: 'manageable' } });
    const noPort = await api(stack, 'PUT', `/v1/nodes/${bare}/states/provision`, { target: 'inspect' });
    assert.equal(noPort.status, 400);
    assert.match(faultOf(noPort.body), /no port with PXE enabled/);
    // no-inspect: Ironic's 400.
    const plain = await enroll(stack, node, { inspect: 'no-inspect' });
    const noInspect = await api(stack, 'PUT', `/v1/nodes/${plain}/states/provision`, { target: 'inspect' });
    assert.equal(noInspect.status, 400);
    assert.match(faultOf(noInspect.body), /does not support inspect/);
    // inspect needs 1.6; the inventory needs 1.81.
    const old = await api(
      stack,
      'PUT',
      `/v1/nodes/${plain}/states/provision`,
      { target: 'inspect' },
      { 'X-OpenStack-Ironic-API-Version': '1.5' },
    );
    assert.equal(old.status, 406);
    const oldInv = await api(stack, 'GET', `/v1/nodes/${plain}/inventory`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.80' });
    assert.equal(oldInv.status, 406);
    // Never inspected, and an unknown node: 404, Ironic's words.
    const never = await api(stack, 'GET', `/v1/nodes/${plain}/inventory`, undefined, V81);
    assert.equal(never.status, 404);
    assert.equal(faultOf(never.body), `Node inventory for node ${plain} could not be found.`);
    const unknown = await api(stack, 'GET', '/v1/nodes/no-such-node/inventory', undefined, V81);
    assert.equal(unknown.status, 404);
    assert.match(faultOf(unknown.body), /no-such-node could not be found/);
    // abort outside inspect wait is a state error, and manageable nodes stay manageable.
    const abort = await api(stack, 'PUT', `/v1/nodes/${plain}/states/provision`, { target: 'abort' });
    assert.ok(abort.status === 400 || abort.status === 409, abort.text);
    assert.equal((await show(stack, plain)).provision_state, 'manageable');
  });
});

describe('inspection timeout with a reason', () => {
  let stack: TestStack;
  let lab: Lab;
  let work: string;

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-inspect-timeout-'));
    const labDir = path.join(work, 'lab');
    stack = await startStack({ app: { inspectTimeoutSec: 8 }, data: () => ({ dnsmasqLog: path.join(labDir, 'dnsmasq.log') }) });
    lab = await startLab({ nodes: 1, dir: labDir, tftpRoot: stack.data.bootRoot, ramdiskEnv: FAST_RAMDISK });
  });
  after(async () => {
    await lab?.stop();
    await stack?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('a node whose ramdisk never boots: inspect failed, last_error names the missing DHCP request from the enrolled MAC', async () => {
    const node = lab.nodes[0]!;
    const wrongMac = '52:54:00:ee:00:02';
    const uuid = await enroll(stack, node, { mac: wrongMac });
    const r = await baremetal(stack.url, ['--os-baremetal-api-version', '1.81', 'node', 'inspect', uuid, '--wait', '90']);
    assert.notEqual(r.code, 0, 'the CLI reports the failure');
    const n = await show(stack, uuid);
    assert.equal(n.provision_state, 'inspect failed');
    console.log(`# last_error: ${n.last_error}`);
    assert.match(n.last_error, /Timeout reached while waiting for the deploy ramdisk of node .* \(8 s\)/);
    assert.match(n.last_error, /power on: accepted by the BMC at /);
    assert.match(n.last_error, new RegExp(`DHCP: no request seen from ${wrongMac}`));
    assert.match(n.last_error, /callbacks: none received/);
    assert.match(n.last_error, new RegExp(`First step that never happened: a DHCP request from the node \\(is ${wrongMac} the NIC`));
    // The lab's log shows what the node did do: DHCP and TFTP with its real MAC.
    assert.match(fs.readFileSync(lab.dhcpLog, 'utf8'), new RegExp(`DHCPACK\\(lab\\) ${node.ip} ${node.mac}`));
  });
});
