import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatApiBench, type ApiBenchResult, type SystemResult } from './api-report';
import { summarise } from './stats';

const usage = (rssMiB: number, pids = [100]) => ({ pids, rssKiB: rssMiB * 1024, pssKiB: rssMiB * 512, cpuSeconds: 2 });

function system(name: string, k: number): SystemResult {
  const lat = summarise([10 * k, 20 * k, 30 * k]);
  return {
    name,
    database: 'SQLite file',
    enroll: {
      nodes: 10,
      concurrency: 2,
      enrolled: 10,
      nodesCreated: 10,
      seconds: 2 * k,
      nodesPerSecond: 5 / k,
      nodePost: lat,
      portPost: lat,
      failures: 0,
    },
    list: { path: '/v1/nodes', latency: lat, items: 10, bytes: 2048, failures: 0 },
    detail: { path: '/v1/nodes/detail', latency: lat, items: 10, bytes: 8192, failures: 0 },
    processes: [{ label: 'API', usage: usage(100 * k), inTotal: true }],
    versions: { [name.toLowerCase()]: '1.0' },
    cpuMs: { enrollPerNode: 4 * k, listPerGet: 10 * k, detailPerGet: 20 * k },
    load: { start: 1, end: 2 },
  };
}

const base: Omit<ApiBenchResult, 'ironflow'> = {
  options: { nodes: 10, concurrency: 2, requests: 3, db: 'sqlite' },
  machine: { nproc: 2, memoryGiB: 24, cpuModel: 'Test CPU', kernel: 'Linux 6', date: '2026-11-21T00:00:00.000Z', loadAverage1m: 0.5 },
};

describe('formatApiBench', () => {
  test('side by side, with the ratio Ironflow/Ironic, machine and versions', () => {
    const ironic = system('Ironic', 2);
    ironic.processes.push({ label: 'conductor', usage: usage(50), inTotal: true });
    const text = formatApiBench({ ...base, ironflow: system('Ironflow', 1), ironic, loadAtEnd: 0.7 });
    assert.match(
      text,
      /machine: 2 CPUs \(nproc\), 24 GiB RAM, Test CPU, Linux 6; load average \(1 min\) 0\.5 at the start, 0\.7 at the end/,
    );
    assert.match(text, /^Ironflow: ironflow 1\.0; database SQLite file$/m);
    assert.match(text, /^\(a\) enroll 10 nodes \+ 10 ports, 2 clients \(s\) +2\.00 +4\.00 +0\.50x$/m);
    assert.match(text, /^\(b\) GET \/v1\/nodes\/detail x3 p50 \(ms\) +20\.0 +40\.0 +0\.50x$/m);
    assert.match(text, /^\(c\) RSS conductor \(MiB\) +- +50 +-$/m);
    assert.match(text, /^\(c\) RSS total, API \+ conductor \(MiB\) +100 +250 +0\.40x$/m);
    assert.match(text, /^\(b\) server CPU per GET \/v1\/nodes\/detail \(ms\) +20\.0 +40\.0 +0\.50x$/m);
    assert.match(text, /^machine load average \(1 min\) at start of system +1\.0 +1\.0 +-$/m);
    assert.doesNotMatch(text, /baseline:/);
  });

  test('without Ironic: our figures, and why the baseline is missing', () => {
    const text = formatApiBench({
      ...base,
      ironflow: system('Ironflow', 1),
      ironicMissing: 'Ironic not installed (run with --with-ironic)',
    });
    assert.match(text, /^\(b\) GET \/v1\/nodes x3 p95 \(ms\) +30\.0 +- +-$/m);
    assert.match(text, /^baseline: Ironic not installed \(run with --with-ironic\)$/m);
  });

  test('failed list requests show as failures with the first reason, not as figures', () => {
    const s = system('Ironflow', 1);
    s.list = { path: '/v1/nodes', items: 0, bytes: 0, failures: 3, firstFailure: 'GET /v1/nodes: HTTP 500: boom' };
    const text = formatApiBench({ ...base, ironflow: s, ironicMissing: 'x' });
    assert.match(text, /^\(b\) GET \/v1\/nodes x3 p50 \(ms\) +- +- +-$/m);
    assert.match(text, /^\(b\) GET \/v1\/nodes failed requests +3 +- +-$/m);
    assert.match(text, /^\(b\) server CPU per GET \/v1\/nodes \(ms\) +- +- +-$/m);
    assert.match(text, /^Ironflow: GET \/v1\/nodes: 3\/3 failed \(\+ warm-up\); first: GET \/v1\/nodes: HTTP 500: boom$/m);
  });
});
