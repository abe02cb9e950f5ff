import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDeployBench, type DeployBenchResult } from './deploy-report';
import type { DeployTiming } from './deploy-run';

const MiB = 1024 * 1024;

function run(node: string, cacheMs: number, writeMs: number): DeployTiming {
  return {
    node,
    uuid: `${node}-uuid`,
    totalMs: cacheMs + writeMs + 3000,
    bytesTotal: 1024 * MiB,
    cache: { downloaded: cacheMs > 1000, converted: cacheMs > 1000 },
    writerMs: writeMs - 500,
    steps: [
      { name: 'cache the image', status: 'done', ms: cacheMs },
      { name: 'write the image over iSCSI', status: 'done', ms: writeMs },
    ],
  };
}

function result(gets: number): DeployBenchResult {
  return {
    machine: { nproc: 2, memoryGiB: 23.5, cpuModel: 'Test CPU', kernel: 'Linux 6', date: '2026-11-21T21:00:00.000Z', loadAverage1m: 1.5 },
    sizeMiB: 1024,
    qcow2Bytes: 1025 * MiB,
    imageGenerated: false,
    diskBytes: 1152 * MiB,
    downloadMs: { cold: 4000, concurrent: null },
    cold: run('n0', 20_000, 10_000),
    warm: run('n1', 200, 9_000),
    write: {
      coldMiBps: 102.4,
      warmMiBps: 113.8,
      plain: { bytes: 1024 * MiB, seconds: 9.5, MiBps: 107.8, roundSeconds: [9.5, 11.2, 9.1] },
      ratioCold: 0.95,
      ratioWarm: 1.06,
    },
    concurrent: {
      nodes: 5,
      wallMs: 60_000,
      deploys: [run('a', 30_000, 20_000), run('b', 29_000, 25_000)],
      imageGets: gets,
      downloads: 1,
      conversions: 1,
    },
    memory: {
      baselineRssBytes: 200 * MiB,
      baselineHeapUsedBytes: 80 * MiB,
      phases: [{ name: 'cold deploy', peakRssBytes: 260 * MiB, peakHeapUsedBytes: 90 * MiB }],
      peakRssBytes: 300 * MiB,
      peakHeapUsedBytes: 95 * MiB,
    },
  };
}

describe('formatDeployBench', () => {
  test('steps side by side: cold, warm, concurrent median and max', () => {
    const text = formatDeployBench(result(1));
    assert.match(text, /2 cores, 23\.5 GiB, Test CPU/);
    assert.match(text, /^cache the image\s+20\.0 s\s+0\.2 s\s+29\.5 s\s+30\.0 s$/m);
    assert.match(text, /^write the image over iSCSI\s+10\.0 s\s+9\.0 s\s+22\.5 s\s+25\.0 s$/m);
    assert.match(text, /the download \(image server's send time\) took: cold 4\.0 s, concurrent -;/);
    assert.match(text, /deploy write step, cold deploy\s+102 MiB\/s\s+ratio 0\.95/);
    assert.match(text, /plain qemu-img convert -n\s+108 MiB\/s\s+\(median of 3 rounds for 1024 MiB: 9\.5 s, 11\.2 s, 9\.1 s\)/);
    assert.match(text, /writeImage's own time inside the step: cold 108 MiB\/s, warm 120 MiB\/s/);
    assert.match(text, /image GETs on the image server: 1 \(downloaded once: OK\)/);
    assert.match(text, /peak over all deploys\s+rss 300 MiB \(\+100 MiB\)/);
  });

  test('deploys that needed a second PXE boot are named', () => {
    const r = result(1);
    r.concurrent.deploys[1].steps.splice(1, 0, { name: 'no callback: PXE boot again', status: 'done', ms: 4000 });
    const text = formatDeployBench(r);
    assert.match(text, /deploys that PXE-booted again after no callback: 1 of 4 \(b\)/);
    assert.match(text, /^no callback: PXE boot again\s+-\s+-\s+4\.0 s\s+4\.0 s$/m);
  });

  test('more than one download is called out', () => {
    assert.match(formatDeployBench(result(5)), /image GETs on the image server: 5 \(EXPECTED 1\)/);
  });
});
