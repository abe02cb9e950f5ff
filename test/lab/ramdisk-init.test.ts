// ramdisk/init run directly (busybox sh, as in the lab, without PXE): the
// error paths of the protocol and the busybox-wget HTTP variant.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';

describe('ramdisk/init as a process', () => {
  let work: string;
  let cp: ControlPlaneStub;
  const secret = crypto.randomBytes(16).toString('hex');

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ramdisk-init-'));
    cp = await startControlPlaneStub({ secret });
    fs.writeFileSync(path.join(work, 'disk.img'), Buffer.alloc(4 * 1024 * 1024, 0xab));
  });
  after(async () => {
    await cp?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Runs init with this command line and environment; resolves with exit code and output. */
  function runInit(cmdline: string, env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
    const file = path.join(work, `cmdline-${crypto.randomBytes(4).toString('hex')}`);
    fs.writeFileSync(file, cmdline);
    return new Promise((resolve) => {
      const child = spawn('busybox', ['sh', path.join(repoRoot(), 'ramdisk', 'init')], {
        env: {
          PATH: process.env.PATH,
          IRONFLOW_CMDLINE_FILE: file,
          IRONFLOW_STATE_DIR: path.join(work, `state-${path.basename(file)}`),
          IRONFLOW_DISK: path.join(work, 'disk.img'),
          IRONFLOW_POLL_INTERVAL: '0.1',
          IRONFLOW_BACKOFF_MS: '50',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  const base = (id: string, extra = '') =>
    `BOOT_IMAGE=deploy/kernel initrd=deploy/initrd ironflow.deployment=${id} ironflow.secret=${secret} ironflow.callback=${cp.url(id)} ${extra}\n`;

  test('iscsi mode without CHAP credentials reports an error and exports nothing', async () => {
    const r = await runInit(base('no-chap', 'ironflow.mode=iscsi ironflow.iqn=iqn.2026-11.org.ironflow:x'));
    assert.equal(r.code, 1);
    const err = cp.callbacks.find((c) => c.body.deployment === 'no-chap');
    assert.equal(err?.event, 'error');
    assert.match(String(err?.body.error), /CHAP credentials .* are required/);
  });

  test('an unknown mode is an error callback', async () => {
    const r = await runInit(base('bad-mode', 'ironflow.mode=flash'));
    assert.equal(r.code, 1);
    assert.match(String(cp.callbacks.find((c) => c.body.deployment === 'bad-mode')?.body.error), /unknown ironflow.mode 'flash'/);
  });

  test('a disk that does not exist is an error callback', async () => {
    const r = await runInit(base('no-disk', 'ironflow.mode=erase'), { IRONFLOW_DISK: path.join(work, 'missing.img') });
    assert.equal(r.code, 1);
    assert.match(String(cp.callbacks.find((c) => c.body.deployment === 'no-disk')?.body.error), /disk .*missing\.img not found/);
  });

  test('without a callback URL it cannot report anything and exits 3', async () => {
    const r = await runInit(`ironflow.deployment=x ironflow.secret=${secret} ironflow.mode=erase\n`);
    assert.equal(r.code, 3);
    assert.match(r.output, /lacks ironflow.deployment, ironflow.secret or ironflow.callback/);
  });

  test('a bad image checksum spec is refused before anything is written', async () => {
    const before = fs.readFileSync(path.join(work, 'disk.img'));
    const r = await runInit(
      base('bad-sum', 'ironflow.mode=direct ironflow.image_url=http://127.0.0.1:1/x ironflow.image_checksum=crc32:1234'),
    );
    assert.equal(r.code, 1);
    assert.match(String(cp.callbacks.find((c) => c.body.deployment === 'bad-sum')?.body.error), /unsupported checksum 'crc32'/);
    assert.ok(fs.readFileSync(path.join(work, 'disk.img')).equals(before));
  });

  test('IRONFLOW_HTTP=wget (busybox wget) speaks the same protocol', async () => {
    cp.decide = (cb) => ({ command: cb.event === 'poll' && cb.body.deployment === 'wget-1' ? 'done' : 'wait' });
    const r = await runInit(base('wget-1', 'ironflow.mode=erase'), { IRONFLOW_HTTP: 'wget' });
    assert.equal(r.code, 0, r.output);
    const mine = cp.callbacks.filter((c) => c.body.deployment === 'wget-1');
    assert.deepEqual(
      mine.map((c) => c.event),
      ['disks', 'poll'],
    );
    assert.equal((mine[0]!.body.disks as { size_bytes: number }[])[0]!.size_bytes, 4 * 1024 * 1024);
  });

  test('seq follows the clock in ms, so a second run of a deployment starts above the first', async () => {
    cp.decide = (cb) => ({ command: cb.event === 'poll' && cb.body.deployment === 'rerun' ? 'done' : 'wait' });
    const runs: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const r = await runInit(base('rerun', 'ironflow.mode=erase'));
      assert.equal(r.code, 0, r.output);
      const seen = new Set(runs.flat());
      runs.push(cp.callbacks.filter((c) => c.body.deployment === 'rerun' && !seen.has(c.seq)).map((c) => c.seq));
    }
    assert.equal(runs[1]!.length, 2, 'the second run was not taken for a replay');
    assert.ok(Math.min(...runs[1]!) > Math.max(...runs[0]!));
    for (const c of cp.callbacks.filter((x) => x.body.deployment === 'rerun'))
      assert.ok(Math.abs(c.seq - c.at) < 5000, `seq ${c.seq} vs arrival ${c.at}`);
  });

  // The kernel clock runs in microsecond or nanosecond mode (STA_NANO), whichever the machine has: a
  // stand-in adjtimex prints the real time in each mode, so both are covered on any machine.
  for (const clock of ['microsecond', 'nanosecond'] as const) {
    test(`seq is milliseconds since the epoch with the kernel clock in ${clock} mode`, async () => {
      const fake = path.join(work, `adjtimex-${clock}`);
      const nano = clock === 'nanosecond';
      fs.writeFileSync(
        fake,
        `#!${process.execPath}
const ms = Date.now();
const sub = ${nano ? '(ms % 1000) * 1e6 + 123456' : '(ms % 1000) * 1e3 + 123'};
console.log('    status:       ${nano ? '8256' : '64'} (UNSYNC)');
console.log('    time.tv_sec:  ' + Math.floor(ms / 1000));
console.log('    time.tv_usec: ' + sub);
`,
        { mode: 0o755 },
      );
      const id = `clock-${clock}`;
      cp.decide = (cb) => ({ command: cb.event === 'poll' && cb.body.deployment === id ? 'done' : 'wait' });
      const r = await runInit(base(id, 'ironflow.mode=erase'), { IRONFLOW_ADJTIMEX: fake });
      assert.equal(r.code, 0, r.output);
      const mine = cp.callbacks.filter((c) => c.body.deployment === id);
      assert.equal(mine.length, 2);
      for (const c of mine) assert.ok(Math.abs(c.seq - c.at) < 5000, `seq ${c.seq} vs arrival ${c.at}`);
    });
  }

  test('secrets never reach the output', async () => {
    const r = await runInit(base('quiet', 'ironflow.mode=iscsi ironflow.chap_user=u ironflow.chap_secret=chap-very-secret'));
    assert.ok(!r.output.includes(secret));
    assert.ok(!r.output.includes('chap-very-secret'));
  });
});
