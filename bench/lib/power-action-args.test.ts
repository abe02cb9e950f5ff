import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePowerActionBenchArgs, PowerActionBenchUsageError } from './power-action-args';

describe('power bench options', () => {
  test('defaults: 30 iterations, GET every 5 ms', () => {
    assert.deepEqual(parsePowerActionBenchArgs([]), { iterations: 30, pollMs: 5, json: false, help: false });
  });

  test('--name N, --name=N, --quick and --json', () => {
    assert.deepEqual(parsePowerActionBenchArgs(['--iterations', '12', '--poll-ms=20', '--json']), {
      iterations: 12,
      pollMs: 20,
      json: true,
      help: false,
    });
    assert.equal(parsePowerActionBenchArgs(['--quick']).iterations, 8);
    assert.equal(parsePowerActionBenchArgs(['-h']).help, true);
  });

  test('refuses unknown options, missing or bad numbers, and values on flags', () => {
    for (const argv of [['--nope'], ['--iterations'], ['--iterations', '0'], ['--poll-ms', '1.5'], ['--quick=1']]) {
      assert.throws(() => parsePowerActionBenchArgs(argv), PowerActionBenchUsageError, argv.join(' '));
    }
  });
});
