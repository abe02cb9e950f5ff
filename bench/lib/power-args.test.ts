import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePowerBenchArgs, PowerBenchUsageError } from './power-args';

describe('power-sync bench options', () => {
  test('defaults: 100 BMCs, concurrency 16, 3 passes, 5 s interval, 5 reps, batch 250, no jitter, stack on', () => {
    assert.deepEqual(parsePowerBenchArgs([]), {
      bmcs: 100,
      concurrency: 16,
      passes: 3,
      intervalSec: 5,
      reps: 5,
      batchSize: 250,
      jitterMs: 0,
      stack: true,
      json: false,
      help: false,
    });
  });

  test('--name N and --name=N both work; flags without values', () => {
    const a = parsePowerBenchArgs([
      '--bmcs',
      '200',
      '--concurrency=32',
      '--passes',
      '5',
      '--interval=2',
      '--reps',
      '3',
      '--batch-size',
      '25',
      '--jitter-ms=0',
      '--json',
      '--no-stack',
    ]);
    assert.deepEqual(a, {
      bmcs: 200,
      concurrency: 32,
      passes: 5,
      intervalSec: 2,
      reps: 3,
      batchSize: 25,
      jitterMs: 0,
      stack: false,
      json: true,
      help: false,
    });
  });

  test('one pass is raised to two (a cold and a warm one)', () => {
    assert.equal(parsePowerBenchArgs(['--passes', '1']).passes, 2);
  });

  test('bad numbers, missing values and unknown options are refused', () => {
    for (const argv of [
      ['--bmcs', '0'],
      ['--bmcs', 'ten'],
      ['--bmcs'],
      ['--concurrency=1.5'],
      ['--jitter-ms', '-1'],
      ['--batch-size', '0'],
      ['--bmc', '3'],
      ['--json=yes'],
      ['extra'],
    ]) {
      assert.throws(() => parsePowerBenchArgs(argv), PowerBenchUsageError, argv.join(' '));
    }
  });
});
