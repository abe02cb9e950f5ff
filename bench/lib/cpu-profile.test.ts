import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatProfileSummary, monotonicMicros, newestProfile, packageOf, summariseProfile, type CpuProfile } from './cpu-profile';

const frame = (id: number, functionName: string, url: string) => ({ id, callFrame: { functionName, url, lineNumber: 9 } });

// root -> idle, prisma's compile, our nodeView; samples 1 ms apart.
const synthetic: CpuProfile = {
  nodes: [
    frame(1, '(root)', ''),
    frame(2, '(idle)', ''),
    frame(3, 'compile', '/r/node_modules/@prisma/client/runtime/c.js'),
    frame(4, 'nodeView', 'file:///r/.build/x/apps/api/src/nodes/node-view.js'),
  ],
  startTime: 1_000_000,
  endTime: 1_010_000,
  samples: [3, 3, 3, 4, 2, 2, 3, 4, 4, 1],
  timeDeltas: Array(10).fill(1000),
};

describe('cpu profile summary', () => {
  test('packages: npm scope/name, node core, our folders', () => {
    assert.equal(packageOf('/a/node_modules/@prisma/client/runtime/x.js', 'f'), '@prisma/client');
    assert.equal(packageOf('/a/node_modules/express/lib/response.js', 'f'), 'express');
    assert.equal(packageOf('node:internal/streams/writable', 'f'), 'node');
    assert.equal(packageOf('file:///w/main/dist/apps/api/src/nodes/node-view.js', 'f'), 'ironflow:apps/api/src/nodes');
    assert.equal(
      packageOf('/w/main/.build/bench/apps/api/src/nodes/node-view.js', 'f'),
      'ironflow:apps/api/src/nodes',
      'a build folder named like ours',
    );
    assert.equal(packageOf('/w/main/.build/x/bench/lib/stats.js', 'f'), 'ironflow:bench/lib');
    assert.equal(packageOf('', '(garbage collector)'), '(garbage collector)');
  });

  test('self time by package and function; idle kept apart', () => {
    const s = summariseProfile(synthetic);
    assert.equal(s.sampledMs, 9); // the last sample has no successor to weigh it
    assert.equal(s.idleMs, 2);
    assert.deepEqual(s.byPackage, [
      ['@prisma/client', 4],
      ['ironflow:apps/api/src/nodes', 3],
    ]);
    assert.deepEqual(s.byFunction[0], ['compile @prisma/client/runtime/c.js:10', 4]);
    assert.match(
      formatProfileSummary('all', s),
      /all: 9 ms sampled, 2 ms idle, 7 ms busy\n  self time by package:\n +4 ms +57\.1%  @prisma\/client/,
    );
  });

  test('a time window keeps only its samples', () => {
    // sample i is taken at 1_000_000 + (i + 1) * 1000
    const s = summariseProfile(synthetic, { fromUs: 1_007_000, toUs: 1_009_000 });
    assert.deepEqual(s.byPackage, [
      ['@prisma/client', 1],
      ['ironflow:apps/api/src/nodes', 1],
    ]);
  });

  test('a real profile of another process lines up with our monotonic clock', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpu-profile-test-'));
    try {
      const before = monotonicMicros();
      const script = 'function spinHere(){const end=Date.now()+300;let x=0;while(Date.now()<end)x+=Math.sqrt(x+1);return x}spinHere()';
      execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '-e', script]);
      const after = monotonicMicros();
      const file = newestProfile(dir);
      assert.ok(file);
      const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
      assert.ok(p.startTime >= before && p.endTime <= after, 'profile times fall between our two readings');
      const s = summariseProfile(p, { fromUs: before, toUs: after });
      const spin = s.byFunction.find(([k]) => k.startsWith('spinHere'));
      assert.ok(spin && spin[1] > 150, `spinHere should dominate: ${JSON.stringify(s.byFunction.slice(0, 3))}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
