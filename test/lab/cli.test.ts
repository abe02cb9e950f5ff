// `cli.js up` leaves a lab running after it exits, `status` reports it and
// `down` stops exactly the PIDs in the state file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { isAlive } from './detached-process';
import { ipmitool } from './ipmitool';
import { readLabState } from './lab-state';

const cli = (...args: string[]) =>
  runCommand({ file: process.execPath, args: [path.join(__dirname, 'cli.js'), ...args], timeoutMs: 60000 });

test('up --nodes 2, status, then down', async () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-cli-')), 'lab');
  const up = await cli('up', '--nodes', '2', '--dir', dir, '--disk-size', '8M', '--password', 'per-node');
  assert.match(up.stdout, /lab up: 2 node\(s\)/);
  const state = readLabState(dir)!;
  try {
    assert.equal(state.nodes.length, 2);
    assert.deepEqual(
      state.nodes.map((n) => n.name),
      ['lab-0', 'lab-1'],
    );
    assert.equal(fs.statSync(state.nodes[0]!.diskPath).size, 8 * 1024 * 1024);
    assert.ok(!JSON.stringify(state).includes(fs.readFileSync(state.nodes[0]!.bmc.passwordFile, 'utf8')), 'no password in the state file');
    assert.equal(fs.statSync(state.nodes[0]!.bmc.passwordFile).mode & 0o077, 0, 'password file is private');
    // The CLI process has exited; its BMCs still answer.
    const n = state.nodes[1]!;
    const password = fs.readFileSync(n.bmc.passwordFile, 'utf8');
    assert.match((await ipmitool({ ...n.bmc, password }, 'power', 'status')).stdout, /Chassis Power is off/);
    const status = await cli('status', '--dir', dir);
    assert.match(status.stdout, /lab-1 +52:54:00:ab:00:01 .* power off/);
    await assert.rejects(cli('up', '--nodes', '1', '--dir', dir), /already up/);
  } finally {
    const down = await cli('down', '--dir', dir);
    assert.match(down.stdout, /stopped 3 process/);
  }
  for (const p of state.processes) assert.equal(isAlive(p.pid), false, `${p.role} (${p.pid}) still running`);
  assert.equal(readLabState(dir), undefined);
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});
