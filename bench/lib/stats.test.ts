import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { percentile, summarise } from './stats';

describe('percentile', () => {
  test('nearest rank over 1..100', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 95), 95);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile(xs, 0), 1);
  });

  test('a single sample is every percentile', () => {
    assert.equal(percentile([7], 50), 7);
    assert.equal(percentile([7], 95), 7);
  });

  test('no samples is an error, not zero', () => {
    assert.throws(() => percentile([], 50), /no samples/);
  });
});

describe('summarise', () => {
  test('sorts its input and reports mean, p50, p95, max', () => {
    const s = summarise([30, 10, 20, 40]);
    assert.deepEqual(s, { n: 4, meanMs: 25, p50Ms: 20, p95Ms: 40, maxMs: 40 });
  });

  test('one slow outlier in 50 moves max, not p95', () => {
    const s = summarise([...Array(49).fill(5), 500]);
    assert.equal(s.p50Ms, 5);
    assert.equal(s.p95Ms, 5);
    assert.equal(s.maxMs, 500);
  });
});
