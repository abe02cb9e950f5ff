import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { cpuModelOf, machineInfo } from './machine';

describe('machine info', () => {
  test('reads the first model name from cpuinfo text', () => {
    const text = 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\nprocessor\t: 1\nmodel name\t: other\n';
    assert.equal(cpuModelOf(text), 'AMD EPYC 7B13');
    assert.equal(cpuModelOf(''), 'unknown');
  });

  test('describes this machine', () => {
    const m = machineInfo(new Date('2026-01-02T03:04:05Z'));
    assert.equal(m.nproc, os.availableParallelism());
    assert.ok(m.memoryGiB > 0);
    assert.equal(m.date, '2026-01-02T03:04:05.000Z');
    if (process.platform === 'linux') assert.notEqual(m.cpuModel, 'unknown');
  });
});
