import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cleanups } from './cleanups';

describe('Cleanups', () => {
  test('runs newest first, once, and carries on past a failing step', async () => {
    const order: string[] = [];
    const c = new Cleanups();
    c.add('temporal', () => void order.push('temporal'));
    c.add('db', () => {
      order.push('db');
      throw new Error('disk gone');
    });
    c.add('api', async () => void order.push('api'));
    const both = Promise.all([c.runAll(), c.runAll()]);
    assert.throws(() => c.add('late', () => undefined), /cleanup has started/);
    const [a, b] = await both;
    assert.deepEqual(order, ['api', 'db', 'temporal']);
    assert.deepEqual(a, ['db: disk gone']);
    assert.equal(a, b);
    assert.deepEqual(await c.runAll(), [], 'nothing left to run');
  });

  test('a later phase can add and clean up its own steps', async () => {
    const order: string[] = [];
    const c = new Cleanups();
    c.add('ironflow', () => void order.push('ironflow'));
    await c.runAll();
    c.add('ironic', () => void order.push('ironic'));
    await c.runAll();
    assert.deepEqual(order, ['ironflow', 'ironic']);
  });

  test('runOne stops one thing early and never again', async () => {
    let n = 0;
    const c = new Cleanups();
    c.add('api', () => void n++);
    await c.runOne('api');
    await c.runOne('api');
    await c.runAll();
    assert.equal(n, 1);
  });
});
