import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childrenOf, cpuSecondsOf, kibField, processTree, treeUsage } from './proc-usage';

describe('proc usage', () => {
  test('reads CPU seconds from a stat line whose name has spaces and parentheses', () => {
    const stat = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 1 0 100 1000 100';
    assert.equal(cpuSecondsOf(stat), 3);
  });

  test('parses kB fields', () => {
    assert.equal(kibField('Name:\tnode\nVmRSS:\t  123456 kB\n', 'VmRSS'), 123456);
    assert.equal(kibField('Rss:  10 kB\nPss:  7 kB\n', 'Pss'), 7);
    assert.equal(kibField('nothing', 'VmRSS'), 0);
  });

  // A shell that forks a sleeping child: the tree holds both, and memory counts both.
  const sh = spawn('sh', ['-c', 'sleep 30 & sleep 30; wait'], { stdio: 'ignore' });
  after(() => {
    for (const p of processTree(sh.pid as number).reverse()) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  });

  test('finds a process and its children, and sums their memory', { skip: process.platform !== 'linux' }, async () => {
    const pid = sh.pid as number;
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 3; i++) {
      tree = processTree(pid);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(tree[0], pid);
    assert.equal(tree.length, 3, `sh and its two sleeps, got ${tree.join(' ')}`);
    const whole = treeUsage(pid);
    const rootOnly = treeUsage(tree[1]);
    assert.ok(whole.rssKiB > rootOnly.rssKiB, 'the tree weighs more than one child');
    assert.ok(whole.pssKiB > 0 && whole.pssKiB <= whole.rssKiB, 'PSS splits shared pages, so it is at most RSS');
    assert.ok(whole.cpuSeconds >= 0 && whole.cpuSeconds < 5);
  });

  test('a kernel without /proc/PID/task/TID/children (CONFIG_PROC_CHILDREN off): children by their stat parent field', () => {
    const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-fake-proc-'));
    try {
      const fake = (pid: number, stat: string) => {
        fs.mkdirSync(path.join(proc, String(pid), 'task', String(pid)), { recursive: true });
        fs.writeFileSync(path.join(proc, String(pid), 'stat'), stat);
      };
      fake(100, '100 (sh) S 1 100 100 0 -1 0');
      fake(205, '205 (a (b) c) S 100 100 100 0 -1 0');
      fake(101, '101 (sleep) S 100 100 100 0 -1 0');
      fake(300, '300 (other) S 1 300 300 0 -1 0');
      fs.mkdirSync(path.join(proc, 'self'));
      assert.deepEqual(childrenOf(100, proc), [101, 205]);
      assert.deepEqual(childrenOf(300, proc), []);
      // With the kernel's list present, it is what counts.
      fs.writeFileSync(path.join(proc, '100', 'task', '100', 'children'), '101 ');
      assert.deepEqual(childrenOf(100, proc), [101]);
    } finally {
      fs.rmSync(proc, { recursive: true, force: true });
    }
  });

  test('a process that is not running is an error', () => {
    assert.throws(() => treeUsage(2 ** 22 + 12345), /not running/);
  });
});
