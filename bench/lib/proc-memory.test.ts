import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { parseProcStatus, procMemory } from './proc-memory';

const KiB = 1024;

describe('proc memory', () => {
  test('reads RSS, its anonymous and file parts, and the peak from a status text', () => {
    const status = [
      'Name:\tnode',
      'VmPeak:\t 1200000 kB',
      'VmHWM:\t  300000 kB',
      'VmRSS:\t  250000 kB',
      'RssAnon:\t  190000 kB',
      'RssFile:\t   60000 kB',
      'RssShmem:\t       0 kB',
    ].join('\n');
    assert.deepEqual(parseProcStatus(status), {
      rssBytes: 250000 * KiB,
      anonBytes: 190000 * KiB,
      fileBytes: 60000 * KiB,
      hwmBytes: 300000 * KiB,
    });
  });

  test('a status text without the fields is an error, not zero', () => {
    assert.throws(() => parseProcStatus('Name:\tkthreadd\nState:\tS (sleeping)\n'), /no VmRSS field/);
  });

  test("another process's memory: a child that holds 64 MiB shows at least that much anonymous RSS", async () => {
    const child = spawn(
      process.execPath,
      ['-e', "const b = Buffer.alloc(64 * 1024 * 1024, 1); console.log('ready'); setInterval(() => b[0]++, 1000);"],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const m = procMemory(child.pid!);
      assert.ok(m.anonBytes >= 64 * 1024 * KiB, `anonymous ${m.anonBytes}`);
      assert.ok(m.rssBytes >= m.anonBytes && m.hwmBytes >= m.rssBytes);
    } finally {
      child.kill();
    }
  });
});
