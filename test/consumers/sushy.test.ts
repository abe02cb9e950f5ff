// Conformance: Debian's python3-sushy (what Ironic's redfish driver is built on)
// drives the lab's Redfish BMC emulator through sushy_conformance.py: sessions and
// Basic auth, power on/off/restart, boot override set and read back, virtual media
// insert/eject, logout. A second emulator with a @Redfish.Settings object and
// PATCH-only virtual media (older BMCs) must satisfy it too. Our emulator is held
// to a real client here; our client (test/redfish) is held to the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { MemoryBackend } from '../lab/redfish-bmc/memory-backend';
import { startRedfishBmc, type RedfishBmc } from '../lab/redfish-bmc/server';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot(), 'test', 'consumers', 'sushy_conformance.py');

function sushyMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import sushy'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} cannot import sushy: install Debian's python3-sushy (scripts/setup.sh does)`;
  }
}

function run(bmc: RedfishBmc, system: string, checks: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [SCRIPT, bmc.url, bmc.caFile, system, ...checks],
      {
        // A clean environment: requests prefers REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE over sushy's verify=<CA file>.
        env: { PATH: '/usr/bin:/bin', HOME: os.tmpdir(), REDFISH_USERNAME: bmc.username, REDFISH_PASSWORD: bmc.password },
        timeout: 300_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('python3-sushy drives the Redfish BMC emulator', { skip: sushyMissing() }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sushy-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('power, boot override, virtual media, sessions and Basic auth', async () => {
    const backend = new MemoryBackend();
    const bmc = await startRedfishBmc({ dir, password: 'sushy-Pa55', powerDelayMs: 200, systems: [{ id: 'node-a', backend }] });
    try {
      const r = await run(bmc, bmc.systemPath('node-a'));
      assert.equal(r.code, 0, `sushy_conformance.py failed:\n${r.stderr}\n${r.stdout}`);
      for (const name of ['root', 'auth kinds', 'power', 'boot', 'virtual media', 'logout'])
        assert.match(r.stdout, new RegExp(`^ok ${name}$`, 'm'));
      // What sushy asked reached the machine behind the BMC.
      assert.deepEqual(backend.state.resets, ['On', 'ForceRestart', 'ForceOff']);
      assert.equal(backend.state.power, 'Off');
      assert.deepEqual(backend.state.boot, { target: 'Hdd', enabled: 'Continuous', mode: 'Legacy' });
      assert.deepEqual(backend.state.media, {}, 'everything ejected');
      // sushy sent our ETags back (If-Match) on its PATCHes, and we accepted them.
      const patches = bmc.requests.filter((q) => q.method === 'PATCH');
      assert.ok(patches.length >= 2 && patches.every((q) => q.ifMatch), JSON.stringify(patches));
      assert.ok(bmc.stats.sessionsCreated >= 2 && bmc.stats.sessionsDeleted >= 1, JSON.stringify(bmc.stats));
    } finally {
      await bmc.stop();
    }
  });

  test('a BMC with a @Redfish.Settings object and PATCH-only virtual media', async () => {
    const backend = new MemoryBackend();
    const bmc = await startRedfishBmc({
      dir,
      password: 'sushy-Pa55',
      powerDelayMs: 50,
      settingsObject: true,
      virtualMediaPatchOnly: true,
      systems: [{ id: 'node-b', backend }],
    });
    try {
      const r = await run(bmc, bmc.systemPath('node-b'), ['boot', 'virtual media']);
      assert.equal(r.code, 0, `sushy_conformance.py failed:\n${r.stderr}\n${r.stdout}`);
      assert.ok(
        bmc.requests.some((q) => q.method === 'PATCH' && q.path.endsWith('/Settings')),
        'boot went through the settings object',
      );
      assert.ok(!bmc.requests.some((q) => q.path.includes('/Actions/VirtualMedia')), 'no media actions offered, none used');
      assert.deepEqual(backend.state.boot, { target: 'Hdd', enabled: 'Continuous', mode: 'Legacy' });
    } finally {
      await bmc.stop();
    }
  });
});
