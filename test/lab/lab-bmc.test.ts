// The lab's BMCs are real ipmi_sim instances that ipmitool drives, and power
// and boot-device changes reach the simulated servers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../support/procs';
import { isAlive } from './detached-process';
import { ipmitool } from './ipmitool';
import { startLab, type Lab } from './lab';

describe('lab BMCs', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab({
      nodes: 2,
      dir: fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bmc-')),
      diskSize: 16 * 1024 * 1024,
      password: 'per-node',
    });
  });
  after(async () => {
    await lab?.stop();
    if (lab) fs.rmSync(lab.dir, { recursive: true, force: true });
  });

  test('ipmitool -I lanplus -C 3 reads and changes power state', async () => {
    const n = lab.nodes[0]!;
    assert.match((await ipmitool(n.bmc, 'power', 'status')).stdout, /Chassis Power is off/);
    await ipmitool(n.bmc, 'power', 'on');
    assert.match((await ipmitool(n.bmc, 'power', 'status')).stdout, /Chassis Power is on/);
    assert.equal(n.power(), 'on');
    assert.equal(lab.nodes[1]!.power(), 'off', 'the other node is untouched');
    await ipmitool(n.bmc, 'power', 'off');
    assert.match((await ipmitool(n.bmc, 'power', 'status')).stdout, /Chassis Power is off/);
    assert.equal(n.power(), 'off');
  });

  test('power on from disk with an empty disk records a disk boot that found nothing bootable', async () => {
    const n = lab.nodes[1]!;
    await ipmitool(n.bmc, 'chassis', 'bootdev', 'disk');
    await ipmitool(n.bmc, 'power', 'on');
    const boot = await waitFor(async () => n.readBoot(), 5000, 'boot.json');
    assert.equal(boot.source, 'disk');
    assert.equal(boot.bootable, false);
    assert.equal(boot.marker, undefined);
    // sha256 of 1 MiB of zeros
    assert.equal(boot.disk_sha256_first_mib, '30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58');
    await ipmitool(n.bmc, 'power', 'off');
  });

  test('a wrong password is refused', async () => {
    const n = lab.nodes[0]!;
    await assert.rejects(ipmitool({ ...n.bmc, password: 'not-the-password' }, 'power', 'status'));
  });

  test('the boot device set over IPMI is what the BMC reports', async () => {
    const n = lab.nodes[0]!;
    await ipmitool(n.bmc, 'chassis', 'bootdev', 'pxe');
    assert.equal(fs.readFileSync(path.join(n.nodeDir, 'boot'), 'utf8').trim(), 'pxe');
    await ipmitool(n.bmc, 'chassis', 'bootdev', 'disk');
    assert.equal(fs.readFileSync(path.join(n.nodeDir, 'boot'), 'utf8').trim(), 'default');
  });

  test('stop() ends every process the lab started', async () => {
    const pids = lab.processes.map((p) => p.pid);
    assert.ok(pids.length === 3);
    await lab.stop();
    for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} still alive`);
  });
});
