import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCallback } from './callback-request';

describe('callback request', () => {
  test('reads seq, event and the typed report, truncating long text', () => {
    const r = parseCallback({
      seq: 3,
      event: 'ready',
      address: '10.0.0.9',
      port: 3260,
      iqn: 'iqn.x',
      deployment: 'd',
      error: 'e'.repeat(5000),
    });
    assert.equal(r.seq, 3);
    assert.equal(r.event, 'ready');
    assert.equal(r.report.address, '10.0.0.9');
    assert.equal(r.report.port, 3260);
    assert.equal(r.report.error?.length, 4096);
    assert.deepEqual(parseCallback({ seq: 0, event: 'progress', bytes_done: 5, bytes_total: 10, phase: 'write' }).report.bytesDone, 5);
  });
  test('refuses, in order: not an object, seq, event, then each field of the wrong type', () => {
    assert.throws(() => parseCallback([]), /must be a JSON object/);
    assert.throws(() => parseCallback({ seq: '1', event: 'nope' }), /seq must be a non-negative integer/);
    assert.throws(() => parseCallback({ seq: -1 }), /seq must be a non-negative integer/);
    assert.throws(() => parseCallback({ seq: 1, event: 'nope' }), /event must be one of ready, disks, progress, result, error, poll/);
    assert.throws(() => parseCallback({ seq: 1, event: 'ready', port: 0 }), /Callback: port must be an integer 1-65535, got 0\./);
    assert.throws(() => parseCallback({ seq: 1, event: 'disks', disks: [1] }), /disks must be an array of at most 64 objects/);
  });
});
