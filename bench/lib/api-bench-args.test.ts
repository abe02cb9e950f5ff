import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseApiBenchArgs, UsageError } from './api-bench-args';

describe('parseApiBenchArgs', () => {
  test('defaults: 1000 nodes, 8 clients, 50 requests, SQLite, Ironic if installed', () => {
    assert.deepEqual(parseApiBenchArgs([]), {
      nodes: 1000,
      concurrency: 8,
      requests: 50,
      db: 'sqlite',
      withIronic: false,
      ironic: true,
      json: false,
    });
  });

  test('every option, in both spellings', () => {
    const a = parseApiBenchArgs([
      '--nodes',
      '20',
      '--concurrency=4',
      '--requests',
      '5',
      '--db=postgres',
      '--with-ironic',
      '--cpu-prof',
      '/tmp/p',
      '--json',
    ]);
    assert.deepEqual(a, {
      nodes: 20,
      concurrency: 4,
      requests: 5,
      db: 'postgres',
      withIronic: true,
      ironic: true,
      cpuProf: '/tmp/p',
      json: true,
    });
  });

  test('bad values are usage errors that name the option', () => {
    assert.throws(
      () => parseApiBenchArgs(['--nodes', '0']),
      (e) => e instanceof UsageError && /--nodes/.test(e.message),
    );
    assert.throws(() => parseApiBenchArgs(['--nodes', '2.5']), /--nodes/);
    assert.throws(() => parseApiBenchArgs(['--concurrency']), /--concurrency/);
    assert.throws(() => parseApiBenchArgs(['--db', 'mysql']), /--db is sqlite or postgres/);
    assert.throws(() => parseApiBenchArgs(['--nodez', '5']), /unknown option --nodez/);
    assert.throws(() => parseApiBenchArgs(['--with-ironic', '--no-ironic']), /contradict/);
  });
});
