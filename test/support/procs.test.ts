// waitFor measures its timeout on the monotonic clock: a machine whose wall clock is set
// while a test waits (NTP, just after boot) must not time out at once, nor wait forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from './procs';

test('a wall-clock step during waitFor neither times it out nor stretches it', async (t) => {
  const wall = Date.now.bind(Date);
  let calls = 0;
  const v = await waitFor(
    async () => {
      calls++;
      if (calls === 1) t.mock.method(Date, 'now', () => wall() + 3_600_000);
      return calls === 3 ? 'ready' : undefined;
    },
    5_000,
    'the third call',
  );
  t.mock.restoreAll();
  assert.equal(v, 'ready');

  t.mock.method(Date, 'now', () => wall() - 3_600_000);
  await assert.rejects(
    waitFor(async () => false, 200, 'nothing'),
    /timed out waiting for nothing/,
  );
});
