import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { maskConsoleSecrets, readConsoleTail } from './console-tail';

test('the last lines of <dir>/<name>/console.log, control sequences out, secrets masked', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-tail-'));
  try {
    fs.mkdirSync(path.join(dir, 'vm-0'));
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    lines.push('\x1b[2J\x1b[1;1HKernel command line: initrd=x ironflow.secret=abcdef0123456789 ironflow.chap_secret=Zr8mK2pQ7vX4 quiet\r');
    fs.writeFileSync(path.join(dir, 'vm-0', 'console.log'), lines.join('\n') + '\n\n');
    const t = await readConsoleTail(dir, 'vm-0', 5);
    assert.deepEqual(t, {
      source: 'console log',
      lines: [
        'line 26',
        'line 27',
        'line 28',
        'line 29',
        'Kernel command line: initrd=x ironflow.secret=*** ironflow.chap_secret=*** quiet',
      ],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a long log: only its end is read, and the cut first line is dropped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-tail-'));
  try {
    fs.mkdirSync(path.join(dir, 'n1'));
    fs.writeFileSync(path.join(dir, 'n1', 'console.log'), 'x'.repeat(100_000) + '\nlast words\n');
    assert.deepEqual(await readConsoleTail(dir, 'n1'), { source: 'console log', lines: ['last words'] });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('says why when there is no console: no directory, no log, no usable name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-tail-'));
  try {
    assert.match(((await readConsoleTail(null, 'vm-0')) as { why: string }).why, /IRONFLOW_CONSOLE_LOG_DIR/);
    assert.match(((await readConsoleTail(dir, 'vm-9')) as { why: string }).why, /No console log for this node \(vm-9\/console.log/);
    assert.match(((await readConsoleTail(dir, null)) as { why: string }).why, /no name/);
    assert.match(((await readConsoleTail(dir, '../etc')) as { why: string }).why, /no name/, 'a name never walks out of the directory');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('masking: secret-looking keys only', () => {
  assert.equal(maskConsoleSecrets('a=1 ironflow.secret=s3 password=p token=t b=2'), 'a=1 ironflow.secret=*** password=*** token=*** b=2');
  assert.equal(maskConsoleSecrets('ironflow.callback=http://10.0.0.1/x'), 'ironflow.callback=http://10.0.0.1/x');
});
