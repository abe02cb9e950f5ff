// Replays every recorded history (test/replay/histories/, from `npm run record-histories`)
// against the built workflow bundle: a change to a workflow that would give a running
// workflow a different command sequence fails here (nondeterminism). Such a change needs
// `patched()`; see test/replay/README.md.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { repoRoot } from '#apps/shared/repo-root';
import { FIXTURE_WORKFLOWS, FIXTURES, RELEASE_FIXTURES } from './fixtures';
import { historyFromFile } from './history-file';

const dir = path.join(repoRoot(), 'test', 'replay', 'histories');
const bundle = { codePath: path.join(repoRoot(), 'dist', 'workflow-bundle.js') };

Runtime.install({ logger: new DefaultLogger('ERROR') });

// histories/ holds what the current code records; each subfolder holds the same operations as
// recorded by an earlier release (runs of it may still be in flight when a worker is upgraded).
const releases = [
  '',
  ...fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort(),
];

for (const release of releases) {
  const from = path.join(dir, release);
  // An earlier release holds the fixtures that existed then (fixtures.ts); an unlisted folder fails here.
  const fixtures = release ? (RELEASE_FIXTURES[release] ?? []) : FIXTURES;
  describe(`replay of recorded workflow histories${release ? ` (${release})` : ''}`, () => {
    test('every fixture is there, and nothing else', () => {
      if (release) assert.ok(RELEASE_FIXTURES[release], `histories/${release}/ is not listed in RELEASE_FIXTURES (fixtures.ts)`);
      const files = fs
        .readdirSync(from)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -5))
        .sort();
      assert.deepEqual(files, [...fixtures].sort());
    });

    for (const name of fixtures) {
      test(`${name} (${FIXTURE_WORKFLOWS[name]}) replays without nondeterminism`, async () => {
        const history = historyFromFile(fs.readFileSync(path.join(from, `${name}.json`), 'utf8'));
        const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
        assert.equal(started?.workflowType?.name, FIXTURE_WORKFLOWS[name]);
        await Worker.runReplayHistory({ workflowBundle: bundle, replayName: `replay-${name}` }, history, `replay-${name}`);
      });
    }
  });
}
