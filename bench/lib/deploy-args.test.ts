import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeployBenchUsageError, parseDeployBenchArgs } from './deploy-args';

describe('parseDeployBenchArgs', () => {
  test('defaults: 1 GiB image, five concurrent deploys, no JSON', () => {
    assert.deepEqual(parseDeployBenchArgs([]), { sizeMiB: 1024, concurrent: 5, json: false, help: false });
  });

  test('--x y and --x=y forms', () => {
    assert.deepEqual(parseDeployBenchArgs(['--size-mib', '256', '--concurrent=3', '--json']), {
      sizeMiB: 256,
      concurrent: 3,
      json: true,
      help: false,
    });
  });

  test('--overhead: 64 MiB unless sized, 3 warm rounds unless told', () => {
    assert.deepEqual(parseDeployBenchArgs(['--overhead']), {
      sizeMiB: 64,
      concurrent: 5,
      json: false,
      help: false,
      overhead: { rounds: 3 },
    });
    const r = parseDeployBenchArgs(['--overhead', '--size-mib=128', '--rounds', '5']);
    assert.equal(r.sizeMiB, 128);
    assert.deepEqual(r.overhead, { rounds: 5 });
    assert.throws(() => parseDeployBenchArgs(['--overhead=1']), /takes no value/);
  });

  test('bad values and unknown options are usage errors', () => {
    assert.throws(() => parseDeployBenchArgs(['--size-mib', '0']), DeployBenchUsageError);
    assert.throws(() => parseDeployBenchArgs(['--size-mib']), /needs a whole number/);
    assert.throws(() => parseDeployBenchArgs(['--concurrent=2.5']), DeployBenchUsageError);
    assert.throws(() => parseDeployBenchArgs(['--json=yes']), /takes no value/);
    assert.throws(() => parseDeployBenchArgs(['--nodes', '3']), /unknown option --nodes/);
  });
});
