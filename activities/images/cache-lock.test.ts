import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireLock, tryLock } from './cache-lock';

function deadPid(): number {
  // A process that has exited: its PID is free (reuse within the test is vanishingly unlikely).
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

test('a live lock excludes others until released', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-lock-'));
  const file = path.join(dir, 'k.lock');
  const a = await tryLock(file);
  assert.ok(a);
  assert.equal(await tryLock(file), undefined);
  let got = false;
  const waiting = acquireLock(file, { pollMs: 20 }).then((l) => {
    got = true;
    return l;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(got, false);
  await a.release();
  const b = await waiting;
  assert.ok(got);
  await b.release();
  assert.equal(fs.existsSync(file), false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a lock left by a dead process is broken', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-lock-'));
  const file = path.join(dir, 'k.lock');
  fs.writeFileSync(file, JSON.stringify({ pid: deadPid(), host: os.hostname(), token: 'old' }));
  const l = await tryLock(file);
  assert.ok(l, 'stale lock should have been broken');
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, process.pid);
  await l.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a lock not refreshed for staleMs is broken even if its PID looks alive', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-lock-'));
  const file = path.join(dir, 'k.lock');
  fs.writeFileSync(file, JSON.stringify({ pid: 1, host: 'another-host', token: 'old' }));
  assert.equal(await tryLock(file, { staleMs: 60_000 }), undefined);
  const old = new Date(Date.now() - 120_000);
  fs.utimesSync(file, old, old);
  const l = await tryLock(file, { staleMs: 60_000 });
  assert.ok(l);
  await l.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('acquireLock gives up when aborted', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-lock-'));
  const file = path.join(dir, 'k.lock');
  const a = await tryLock(file);
  await assert.rejects(acquireLock(file, { signal: AbortSignal.timeout(150), pollMs: 20 }));
  await a!.release();
  fs.rmSync(dir, { recursive: true, force: true });
});
