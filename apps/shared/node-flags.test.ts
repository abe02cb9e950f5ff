import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_ENV, NODE_FLAGS, nodeProcess } from './node-flags';

describe('node flags of the API and worker processes', () => {
  test('each process gets its own flags and the memory environment', () => {
    for (const kind of ['api', 'worker'] as const) {
      const how = nodeProcess(kind, { PATH: '/bin' });
      assert.deepEqual(how.args, [...NODE_FLAGS[kind]]);
      assert.equal(how.env.PATH, '/bin');
      for (const [k, v] of Object.entries(MEMORY_ENV)) assert.equal(how.env[k], v);
    }
  });

  test("an operator's own setting wins over the default", () => {
    assert.equal(nodeProcess('worker', { MALLOC_ARENA_MAX: '8' }).env.MALLOC_ARENA_MAX, '8');
  });

  test('every flag is one Node accepts', async () => {
    const { execFileSync } = await import('node:child_process');
    for (const kind of ['api', 'worker'] as const) {
      assert.equal(execFileSync(process.execPath, [...NODE_FLAGS[kind], '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' }), 'ok');
    }
  });
});
