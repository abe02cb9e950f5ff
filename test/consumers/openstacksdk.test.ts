// openstacksdk (Debian's python3-openstacksdk, what Ansible's openstack.cloud and
// Bifrost use) drives the API through its baremetal proxy: the checks live in
// openstacksdk_roundtrip.py (one function per resource, easy to extend); this
// file starts the stack, runs them through a recording proxy and checks the
// microversion headers the SDK sent and what the API answered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startStack, type TestStack } from '../support/stack';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot(), 'test', 'consumers', 'openstacksdk_roundtrip.py');

function sdkMissing(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import openstack'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${PYTHON} cannot import openstack: install Debian's python3-openstacksdk (scripts/setup.sh does)`;
  }
}

function run(url: string, checks: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      [SCRIPT, url, ...checks],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.IRONFLOW_TEST_HOME ?? '/tmp' }, timeout: 300_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const skip = sdkMissing();

describe('openstacksdk baremetal proxy', { skip }, () => {
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

  test('nodes, ports, provision/power states, validate, traits, allocations, chassis, port groups, VIFs, conductors, deploy templates, volumes and the error cases round-trip', async () => {
    const r = await run(proxy.url);
    console.log(r.stdout.trimEnd().replace(/^/gm, '# '));
    assert.equal(r.code, 0, `openstacksdk_roundtrip.py failed:\n${r.stderr}\n${r.stdout}`);
    for (const name of [
      'version negotiation',
      'nodes',
      'node errors',
      'ports',
      'provision and power states',
      'validate',
      'traits',
      'allocations',
      'chassis',
      'port groups and VIFs',
      'conductors',
      'deploy templates',
      'volume connectors and targets',
    ])
      assert.match(r.stdout, new RegExp(`^ok ${name} \\(`, 'm'), name);
  });

  test('the SDK asks with X-OpenStack-Ironic-API-Version and the API answers the version it served', () => {
    const versioned = proxy.exchanges.filter((e) => e.request['x-openstack-ironic-api-version'] !== undefined);
    assert.ok(versioned.length > 10, `requests with a microversion: ${versioned.length}`);
    const asked = new Set(versioned.map((e) => String(e.request['x-openstack-ironic-api-version'])));
    console.log(`# openstacksdk asked for microversions ${[...asked].sort().join(', ')}`);
    for (const e of versioned) {
      if (e.status >= 500) assert.fail(`${e.method} ${e.path} answered ${e.status}`);
      if (e.status === 406) continue;
      assert.equal(e.response['x-openstack-ironic-api-version'], e.request['x-openstack-ironic-api-version'], `${e.method} ${e.path}`);
    }
  });
});
