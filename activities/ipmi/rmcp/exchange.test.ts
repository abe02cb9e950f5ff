// Retransmission schedule, with a scripted link (pure logic; the real socket is
// covered by transport.test.ts and the ipmi_sim tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nowMs } from './clock';
import { exchange } from './exchange';
import { IpmiTimeoutError } from './errors';
import type { Link } from './transport';

/** A link that stays silent (each wait lasts its timeout) until `answerOn`, then answers at once. */
function scripted(answerOn: number): Link & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    send: () => undefined,
    async roundTrip<T>(_p: Buffer, accept: (m: Buffer) => T | undefined, timeoutMs: number) {
      waits.push(timeoutMs);
      if (waits.length === answerOn) return accept(Buffer.from('answer'));
      await new Promise((r) => setTimeout(r, timeoutMs));
      return undefined;
    },
  };
}

const policy = { attemptTimeoutMs: 20, backoffFactor: 2, maxAttemptTimeoutMs: 50 };

test('waits grow by the backoff factor up to the cap; each attempt builds a new packet', async () => {
  const link = scripted(4);
  const built: number[] = [];
  const r = await exchange(link, {
    build: (n) => (built.push(n), Buffer.from([n])),
    accept: (m) => m.toString(),
    maxAttempts: 5,
    policy,
    deadline: nowMs() + 10000,
    what: 'test',
  });
  assert.equal(r, 'answer');
  assert.deepEqual(link.waits, [20, 40, 50, 50]);
  assert.deepEqual(built, [1, 2, 3, 4]);
});

test('gives up after maxAttempts with IpmiTimeoutError', async () => {
  const link = scripted(99);
  await assert.rejects(
    exchange(link, { build: () => Buffer.alloc(0), accept: () => 'x', maxAttempts: 3, policy, deadline: nowMs() + 10000, what: 'test' }),
    (e: unknown) => e instanceof IpmiTimeoutError && e.attempts === 3 && e.retryable,
  );
});

test('never waits past the deadline', async () => {
  const link = scripted(99);
  const started = nowMs();
  await assert.rejects(
    exchange(link, { build: () => Buffer.alloc(0), accept: () => 'x', maxAttempts: 100, policy, deadline: started + 120, what: 'test' }),
    IpmiTimeoutError,
  );
  const elapsed = nowMs() - started;
  assert.ok(elapsed >= 115 && elapsed < 1500, `${elapsed} ms`);
  assert.ok(link.waits.reduce((a, b) => a + b, 0) <= 125);
});

test("a step of the wall clock (NTP setting a just-booted machine's time) neither expires nor stretches a call", async (t) => {
  for (const step of [3_600_000, -3_600_000]) {
    const wall = Date.now.bind(Date);
    const link = scripted(3);
    const stepping: Link = {
      send: () => undefined,
      roundTrip: async (p, accept, timeoutMs) => {
        // After the first silent attempt, the wall clock jumps by `step`.
        if (link.waits.length === 1) t.mock.method(Date, 'now', () => wall() + step);
        return link.roundTrip(p, accept, timeoutMs);
      },
    };
    const r = await exchange(stepping, {
      build: () => Buffer.alloc(0),
      accept: (m) => m.toString(),
      maxAttempts: 5,
      policy,
      deadline: nowMs() + 10000,
      what: 'test',
    });
    t.mock.restoreAll();
    assert.equal(r, 'answer', `wall clock stepped by ${step} ms`);
    assert.deepEqual(link.waits, [20, 40, 50]);
  }
});
