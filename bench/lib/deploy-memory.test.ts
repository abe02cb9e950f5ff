import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemorySampler } from './deploy-memory';

describe('MemorySampler', () => {
  test('keeps the peak of what it read, per window', async () => {
    const readings = [10, 50, 30, 20, 5, 7];
    let i = 0;
    const s = new MemorySampler(5, () => {
      const v = readings[Math.min(i++, readings.length - 1)];
      return { rssBytes: v, heapUsedBytes: v / 10 };
    });
    assert.equal(s.now().rssBytes, 10);
    s.start();
    await new Promise((r) => setTimeout(r, 40));
    const p = s.current();
    assert.equal(p.peakRssBytes, 50);
    assert.equal(p.peakHeapUsedBytes, 5);
    assert.ok(p.samples >= 3);
    s.reset();
    await new Promise((r) => setTimeout(r, 20));
    const q = s.stop();
    assert.equal(q.peakRssBytes, 7, 'a new window forgets the old peak');
  });

  test('reads the real process by default', () => {
    const s = new MemorySampler();
    s.start();
    const p = s.stop();
    assert.ok(p.peakRssBytes > 10 * 1024 * 1024);
    assert.ok(p.peakHeapUsedBytes > 0 && p.peakHeapUsedBytes < p.peakRssBytes);
  });
});
