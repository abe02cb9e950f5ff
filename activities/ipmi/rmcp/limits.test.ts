import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex, Semaphore } from './limits';

test('Semaphore never runs more than its limit at once', async () => {
  const s = new Semaphore(3);
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 20 }, () =>
      s.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(5);
        running--;
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.equal(s.inUse, 0);
});

test('KeyedMutex serialises per key, runs different keys in parallel, survives errors', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const job = (key: string, id: string, fail = false) =>
    m.run(key, async () => {
      log.push(`start ${id}`);
      await sleep(10);
      log.push(`end ${id}`);
      if (fail) throw new Error('boom');
    });
  await Promise.allSettled([job('a', 'a1', true), job('a', 'a2'), job('b', 'b1')]);
  assert.ok(log.indexOf('end a1') < log.indexOf('start a2'), 'same key: one after the other');
  assert.ok(log.indexOf('start b1') < log.indexOf('end a1'), 'other key: overlaps (observed by order, not by the clock)');
  assert.equal(m.isLocked('a'), false);
});
