import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { CallbackLimiter, DEFAULT_CALLBACK_LIMITS, type CallbackLimits } from './callback-limiter';

const LIMITS: CallbackLimits = { perDeployment: { rate: 2, burst: 5 }, perSource: { rate: 10, burst: 20 }, failureCost: 4 };

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('callback rate limiter', () => {
  const dep = crypto.randomUUID();

  test('a burst passes, the next is refused with the wait until a token is back; tokens come back at the rate', () => {
    const c = clock();
    const l = new CallbackLimiter(LIMITS, c.now);
    for (let i = 0; i < 5; i++) assert.deepEqual(l.take(dep, '10.0.0.1'), { ok: true }, `call ${i}`);
    const v = l.take(dep, '10.0.0.1');
    assert.deepEqual(v, { ok: false, scope: 'deployment', limit: LIMITS.perDeployment, retryAfterSec: 1 });
    c.advance(499);
    assert.equal(l.take(dep, '10.0.0.1').ok, false);
    c.advance(1);
    assert.equal(l.take(dep, '10.0.0.1').ok, true, 'half a second at 2/s is one token');
    c.advance(60_000);
    for (let i = 0; i < 5; i++) assert.equal(l.take(dep, '10.0.0.1').ok, true, 'refilled, but never beyond the burst');
    assert.equal(l.take(dep, '10.0.0.1').ok, false);
  });

  test('a real ramdisk (a callback every second, for an hour) is never refused by the defaults', () => {
    const c = clock();
    const l = new CallbackLimiter(DEFAULT_CALLBACK_LIMITS, c.now);
    for (let i = 0; i < 3600; i++) {
      // A poll and a progress report in the same second, as at the end of a direct write.
      assert.equal(l.take(dep, '10.0.0.1').ok, true);
      assert.equal(l.take(dep, '10.0.0.1').ok, true);
      c.advance(1000);
    }
  });

  test('deployments are limited separately; one source is limited across all of them', () => {
    const c = clock();
    const l = new CallbackLimiter(LIMITS, c.now);
    let accepted = 0;
    for (let i = 0; i < 10; i++) {
      const d = crypto.randomUUID();
      for (let j = 0; j < 5; j++) if (l.take(d, '10.0.0.1').ok) accepted++;
    }
    assert.equal(accepted, 20, 'the source bucket (20) ran dry before the deployments did');
    const v = l.take(crypto.randomUUID(), '10.0.0.1');
    assert.equal(v.ok === false && v.scope, 'source');
    assert.equal(l.take(crypto.randomUUID(), '10.0.0.2').ok, true, 'other sources are not affected');
  });

  test('refused callbacks cost more, and the debt is bounded', () => {
    const c = clock();
    const l = new CallbackLimiter(LIMITS, c.now);
    assert.equal(l.take(dep, 's').ok, true);
    l.penalize(dep, 's'); // a wrong secret: 4 tokens in all
    assert.equal(l.take(dep, 's').ok, true);
    assert.equal(l.take(dep, 's').ok, false, '5 - 4 - 1 = 0 left');
    for (let i = 0; i < 100; i++) l.penalize(dep, 's');
    const v = l.take(dep, 's');
    assert.ok(!v.ok && v.retryAfterSec === 3, `debt capped at one burst: (1 + 5) / 2 s, got ${JSON.stringify(v)}`);
  });

  test('ids that are not deployment ids share one bucket, so junk cannot grow memory or starve real deployments', () => {
    const c = clock();
    const l = new CallbackLimiter({ ...LIMITS, perSource: { rate: 1000, burst: 100000 } }, c.now, 50);
    for (let i = 0; i < 5; i++) assert.equal(l.take(`../../etc/${i}`, 's').ok, true);
    assert.equal(l.take('other-junk', 's').ok, false);
    assert.equal(l.take(dep, 's').ok, true);
    for (let i = 0; i < 500; i++) l.take(crypto.randomUUID(), `10.0.${i >> 8}.${i & 255}`);
    const size = l.size();
    assert.ok(size.deployments <= 50 && size.sources <= 50, JSON.stringify(size));
  });
});
