// One client, 50 real BMCs read at once: every answer matches its hardware,
// one session per BMC, and the second pass reuses them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NativeIpmiDriver } from '#activities/ipmi/native-driver';
import { startBmcs, stopBmcs, type Bmc } from '../support/bmc-sim';
import { targetOf } from './ipmitool-cli';

let bmcs: Bmc[] = [];
before(async () => {
  bmcs = await startBmcs(50);
  bmcs.forEach((b, i) => b.writePower(i % 3 === 0 ? 1 : 0));
});
after(() => stopBmcs(bmcs));

test('50 BMCs read concurrently by one client (limit 16)', async (t) => {
  const driver = new NativeIpmiDriver({ maxConcurrency: 16, attemptTimeoutMs: 500 });
  try {
    const targets = bmcs.map((b) => targetOf(b, { cipherSuite: 3 }));
    const expected = bmcs.map((b) => (b.readPower() === 1 ? 'power on' : 'power off'));

    let started = Date.now();
    assert.deepEqual(await Promise.all(targets.map((x) => driver.getPowerState(x))), expected);
    const first = Date.now() - started;

    bmcs.forEach((b, i) => b.writePower(i % 3 === 0 ? 0 : 1));
    started = Date.now();
    const second = await Promise.all(targets.map((x) => driver.getPowerState(x)));
    const secondMs = Date.now() - started;
    assert.deepEqual(
      second,
      expected.map((s) => (s === 'power on' ? 'power off' : 'power on')),
    );
    assert.equal(driver.client.stats.sessionsOpened, 50);
    const peak = driver.client.stats.peakInFlight;
    assert.ok(peak > 1 && peak <= 16, `peak requests in flight ${peak}`);
    t.diagnostic(`first pass (with session setup) ${first} ms, second pass ${secondMs} ms`);
  } finally {
    await driver.close();
  }
});
