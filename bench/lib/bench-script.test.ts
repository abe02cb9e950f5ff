// scripts/bench.sh: lists the compiled benchmarks and refuses names it does not know
// (these paths run no setup and no build).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runCommand, CommandFailedError } from '#activities/shared/command-runner';
import { repoRoot } from '#apps/shared/repo-root';

const script = path.join(repoRoot(), 'scripts', 'bench.sh');

describe('scripts/bench.sh', () => {
  test('with no name, lists every compiled benchmark that has a main, with its description', async (t) => {
    const dist = path.join(repoRoot(), 'dist', 'bench');
    if (!fs.existsSync(dist)) return t.skip('dist/bench not built');
    const r = await runCommand({ file: 'bash', args: [script], timeoutMs: 60_000 });
    assert.match(r.stdout, /^usage: npm run bench -- <name>/);
    const mains = fs
      .readdirSync(dist)
      .filter((f) => f.endsWith('.js') && fs.readFileSync(path.join(dist, f), 'utf8').includes('require.main === module'));
    assert.ok(mains.length > 0);
    for (const f of mains) assert.match(r.stdout, new RegExp(`^  ${f.replace(/\.js$/, '')} +\\S`, 'm'));
    assert.doesNotMatch(r.stdout, /^  ironic-peer /m, 'a helper without a main is not a benchmark');
  });

  test('an unknown name fails with exit code 2 and the list', async () => {
    const e = await runCommand({ file: 'bash', args: [script, 'no-such-bench'], timeoutMs: 60_000 }).catch((x: unknown) => x);
    assert.ok(e instanceof CommandFailedError);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /no benchmark called 'no-such-bench'/);
  });

  test('a path is not a name', async () => {
    const e = await runCommand({ file: 'bash', args: [script, '../scripts/setup'], timeoutMs: 60_000 }).catch((x: unknown) => x);
    assert.ok(e instanceof CommandFailedError);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /is not a name/);
  });
});
