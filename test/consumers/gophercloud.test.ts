// gophercloud (github.com/gophercloud/gophercloud/v2, what metal3's
// baremetal-operator and the Terraform providers use) drives the API: the Go
// program in test/consumers/gophercloud does version discovery and a
// node/port/trait/provision/allocation round trip with its error cases at
// microversion 1.95, and exits 1 on any mismatch. scripts/gophercloud-roundtrip.sh
// builds it once into .tools/consumers/ (cached by source digest; about 10 s
// with a warm Go cache, minutes cold). Without Go and without the module proxy
// the test is skipped, saying so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startStack, type TestStack } from '../support/stack';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy';

function buildProgram(): { binary?: string; skip?: string } {
  const r = spawnSync('bash', [path.join(repoRoot(), 'scripts', 'gophercloud-roundtrip.sh')], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (r.status === 0 && r.stdout.trim()) return { binary: r.stdout.trim().split('\n').pop() };
  return {
    skip: `the gophercloud program could not be built (no Go toolchain and no Go module proxy?): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`,
  };
}

const built = buildProgram();

describe('gophercloud baremetal v1', { skip: built.skip }, () => {
  let stack: TestStack;
  let proxy: RecordingProxy;
  before(async () => {
    stack = await startStack({ automatedClean: 'none' });
    proxy = await startRecordingProxy(stack.url);
  });
  after(async () => {
    await proxy?.stop();
    await stack?.stop();
  });

  test('versions, nodes, ports, traits, manage/provide, allocations and the error cases round-trip', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(built.binary!, [proxy.url], { timeout: 240_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    console.log(r.stdout.trimEnd().replace(/^/gm, '# '));
    assert.equal(r.code, 0, `gophercloud round trip failed:\n${r.stderr}\n${r.stdout}`);
    for (const name of ['versions', 'nodes', 'metal3 enrollment', 'ports', 'traits', 'provision states', 'allocations', 'errors', 'delete'])
      assert.match(r.stdout, new RegExp(`^ok ${name}\\b`, 'm'), name);
  });

  test('gophercloud sends X-OpenStack-Ironic-API-Version: 1.95 on every v1 call and the API echoes it (406 only for 1.200)', () => {
    const v1 = proxy.exchanges.filter((e) => e.path.startsWith('/v1/'));
    assert.ok(v1.length > 20, `v1 calls: ${v1.length}`);
    const asked = new Set(v1.map((e) => String(e.request['x-openstack-ironic-api-version'])));
    console.log(`# gophercloud asked for microversions ${[...asked].sort().join(', ')}`);
    assert.deepEqual([...asked].sort(), ['1.200', '1.95']);
    for (const e of v1) {
      if (e.request['x-openstack-ironic-api-version'] === '1.200') {
        assert.equal(e.status, 406, `${e.method} ${e.path}`);
        assert.equal(e.response['x-openstack-ironic-api-maximum-version'], '1.95');
        continue;
      }
      assert.ok(e.status < 500, `${e.method} ${e.path} answered ${e.status}`);
      assert.equal(e.response['x-openstack-ironic-api-version'], '1.95', `${e.method} ${e.path}`);
    }
  });
});
