import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PowerSyncBenchResult } from '../power-sync';
import { formatPowerSyncResult } from './power-report';

const pass = (totalMs: number) => ({ totalMs, p50Ms: totalMs / 4, p95Ms: totalMs / 2, maxMs: totalMs / 2 });
const summary = (durationMs: number, changed: number) => ({
  read: 100,
  changed,
  forced: 0,
  failed: 0,
  skipped: 0,
  maintenanceSet: 0,
  recovered: 0,
  passId: `p${durationMs}`,
  nodes: 100,
  startedAt: 0,
  durationMs,
});
const result: PowerSyncBenchResult = {
  bmcs: 100,
  concurrency: 16,
  nativeWarm: pass(150),
  nativeCold: pass(600),
  ipmitool: pass(4000),
  speedup: 4000 / 150,
  speedupCold: 4000 / 600,
  stack: {
    nodes: 100,
    workerConcurrency: 16,
    intervalSec: 5,
    batchSize: 250,
    jitterMs: 0,
    enrollMs: 3000,
    manageMs: 4000,
    managePutMs: 1500,
    firstPass: summary(900, 100),
    secondPass: summary(400, 0),
    steadyPassesMs: [400, 380, 420, 500],
    libraryBesideMs: [200, 190, 210, 250],
    flipVisibleMs: 5600,
    flipPass: summary(1200, 100),
    actions: { on: [300, 310, 320, 330, 900], off: [280, 290, 300, 310, 320] },
    actionPollMs: 50,
  },
};

describe('power-sync bench report', () => {
  test('library passes, the stack pass and Ironic sit side by side in the pass column', () => {
    const lines = formatPowerSyncResult(result).split('\n');
    const col = (prefix: string): string | undefined =>
      lines
        .find((l) => l.startsWith(prefix))
        ?.slice(46, 56)
        .trim();
    assert.equal(col('library: native, warm'), '150.0');
    assert.equal(col('library: ipmitool'), '4000.0');
    assert.equal(col('Ironflow stack: periodic sync, 2nd pass'), '400.0');
    assert.equal(col('Ironflow stack: steady passes, median of 4'), '410.0');
    assert.equal(col('library: warm pass right after each, median'), '205.0');
    assert.equal(col('Ironic: periodic pass, median'), '2800.0');
  });

  test('each steady stack pass beside the library pass taken right after it, as a ratio', () => {
    const text = formatPowerSyncResult(result);
    assert.match(
      text,
      /library warm pass right after each \(ms\): 200, 190, 210, 250; stack \/ library: 2\.00, 2\.00, 2\.00, 2\.00 \(median 2\.00\)/,
    );
  });

  test('flip time, action p50/max, and Ironic cited as measured', () => {
    const text = formatPowerSyncResult(result);
    assert.match(text, /show it in GET \/v1\/nodes\/detail: 5\.60 s \(interval 5 s \+ one pass\)/);
    assert.match(text, /Ironic, same measurement at N=100: 12\.4 s \(interval 10 s/);
    assert.match(text, /power on {3}p50 0\.32 s {2}max 0\.90 s/);
    assert.match(text, /power off {2}p50 0\.30 s {2}max 0\.32 s/);
    assert.match(text, /Ironic 21\.4\.4 measured on this machine type, see shared\/peers\/ironic/);
    assert.match(text, /power on\/off ≈ 15 s with \[ipmi\] min_command_interval 5 s/);
  });

  test('without the stack part only the library rows are printed; no Ironic row for an N it was not measured at', () => {
    const { stack: _s, ...lib } = result;
    const text = formatPowerSyncResult({ ...lib, bmcs: 37 });
    assert.doesNotMatch(text, /Ironflow stack|flipped|API power action|Ironic: periodic pass/);
  });
});
