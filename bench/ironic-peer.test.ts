// The Ironic peer: found next to the repository, started on free ports in a temp
// dir, and stopped with every process it started (skipped when Ironic is not installed).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { ironicPeerDir, ironicUnavailable, startIronicPeer } from './ironic-peer';
import { call } from './lib/ironic-http';
import { processTree } from './lib/proc-usage';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Ironic peer', () => {
  test('lives at ../shared/peers/ironic relative to the repository', () => {
    assert.equal(ironicPeerDir('/x/main'), '/x/shared/peers/ironic');
    assert.equal(ironicPeerDir(), path.resolve(repoRoot(), '..', 'shared', 'peers', 'ironic'));
  });

  test('a missing harness is reported by path', () => {
    assert.match(ironicUnavailable('/nonexistent/peer') ?? '', /harness is missing \(\/nonexistent\/peer\/start\.sh\)/);
  });

  const why = ironicUnavailable();
  test('starts, answers Ironic v1, enrolls a node, and stops every process', { skip: why, timeout: 240_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironic-peer-test-'));
    const peer = await startIronicPeer(dir);
    let pids: number[] = [];
    try {
      assert.match(peer.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(peer.version, /^\d+\.\d+/);
      pids = [peer.pids.conductor, peer.pids.api, peer.pids.statsd].flatMap(processTree);
      assert.ok(pids.length >= 3);
      const drivers = (await call(peer.url, 'GET', '/v1/drivers')).body as { drivers: { name: string }[] };
      assert.ok(drivers.drivers.some((d) => d.name === 'ipmi'));
      const node = await call(peer.url, 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name: 'peer-test',
        driver_info: { ipmi_address: '127.0.0.1', ipmi_port: 9700, ipmi_username: 'admin', ipmi_password: 'password' },
      });
      assert.equal(node.status, 201);
      assert.equal((node.body as { provision_state: string }).provision_state, 'enroll');
    } finally {
      await peer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(pids.filter(alive), [], 'no process of the peer outlives stop()');
  });
});
