// writeImage/verifyImage against a real tgtd with file-backed LUNs and the
// real qemu-img + libiscsi initiator.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { writeImage } from '#activities/iscsi/write-image';
import { verifyImage } from '#activities/iscsi/verify-image';
import { readLunCapacity } from '#activities/iscsi/lun-capacity';
import { ImageTooLargeError, IscsiAuthError, IscsiConnectionError, ImageVerifyError, WriteAbortedError } from '#activities/iscsi/errors';
import { startTgtd, type Tgtd, type TgtdTarget } from '../support/tgtd';
import { waitFor } from '../support/procs';
import { allCommandLines, sha256OfFile, sha256OfRange, writeRandomFile } from './helpers';

const MiB = 1024 * 1024;
const CHAP = { user: 'ironflow', secret: 'Chap-Secret-4711xyz' };

function lunOf(t: TgtdTarget) {
  return { portal: t.portal, iqn: t.iqn, lun: t.lun, chap: t.chap };
}

describe('writeImage to a real tgtd LUN', () => {
  let dir: string;
  let tgtd: Tgtd;
  let n = 0;
  const newTarget = (sizeBytes: number, chap = true) =>
    tgtd.addTarget({ iqn: `iqn.2026-11.org.ironflow:test-${process.pid}-${n++}`, sizeBytes, chap: chap ? CHAP : undefined });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-iscsi-test-'));
    tgtd = await startTgtd(dir);
  });
  after(async () => {
    await tgtd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('writes a raw image with CHAP; the LUN then holds exactly the image', async () => {
    const t = await newTarget(64 * MiB);
    const img = path.join(dir, 'a.raw');
    writeRandomFile(img, 20 * MiB + 4096);
    const progress: number[] = [];
    const r = await writeImage({ ...lunOf(t), rawPath: img, chunkBytes: 4 * MiB, onProgress: (b) => progress.push(b) });
    assert.equal(r.bytesWritten, 20 * MiB + 4096);
    assert.equal(r.lunBytes, 64 * MiB);
    assert.equal(r.chunks, 6);
    // Progress is the end of the contiguous written prefix: increasing, on chunk boundaries, ending at the size.
    assert.ok(progress.length >= 2, String(progress));
    assert.ok(
      progress.every((b, i) => (i === 0 || b > progress[i - 1]) && (b % (4 * MiB) === 0 || b === 20 * MiB + 4096)),
      String(progress),
    );
    assert.equal(progress[progress.length - 1], 20 * MiB + 4096);
    assert.equal(sha256OfRange(t.backingFile, 0, 20 * MiB + 4096), sha256OfFile(img));
    await verifyImage({ ...lunOf(t), rawPath: img });
  });

  test('writes a qcow2 image after converting it to raw; qemu-img compare finds them equal', async () => {
    const t = await newTarget(64 * MiB);
    const data = path.join(dir, 'b-data.raw');
    writeRandomFile(data, 8 * MiB);
    const qcow2 = path.join(dir, 'b.qcow2');
    const raw = path.join(dir, 'b.raw');
    // A 48 MiB disk with data in its first 8 MiB and zeros after.
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', data, qcow2] });
    await runCommand({ file: 'qemu-img', args: ['resize', '-f', 'qcow2', qcow2, `${48 * MiB}`] });
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'qcow2', '-O', 'raw', qcow2, raw] });
    assert.equal(fs.statSync(raw).size, 48 * MiB);
    // Dirty the LUN first so zero regions must really be written.
    writeRandomFile(t.backingFile, 64 * MiB);
    await writeImage({ ...lunOf(t), rawPath: raw, chunkBytes: 16 * MiB });
    // The original qcow2 against the LUN's first 48 MiB.
    await runCommand({
      file: 'qemu-img',
      args: [
        'compare',
        '--image-opts',
        `driver=qcow2,file.driver=file,file.filename=${qcow2}`,
        `driver=raw,size=${48 * MiB},file.driver=file,file.filename=${t.backingFile}`,
      ],
    });
    assert.equal(sha256OfRange(t.backingFile, 0, 48 * MiB), sha256OfFile(raw));
    await verifyImage({ ...lunOf(t), rawPath: raw });
  });

  test('wrong CHAP secret is refused with a clear, non-retryable error that does not leak the secret', async () => {
    const t = await newTarget(16 * MiB);
    const img = path.join(dir, 'c.raw');
    writeRandomFile(img, 1 * MiB);
    const before = sha256OfFile(t.backingFile);
    const wrong = 'Not-The-Secret-99';
    await assert.rejects(writeImage({ ...lunOf(t), chap: { user: CHAP.user, secret: wrong }, rawPath: img }), (e: unknown) => {
      assert.ok(e instanceof IscsiAuthError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, /CHAP/);
      assert.ok(!e.message.includes(wrong));
      return true;
    });
    assert.equal(sha256OfFile(t.backingFile), before);
  });

  test('an image whose size is not a whole number of sectors is written exactly', async () => {
    const t = await newTarget(16 * MiB);
    writeRandomFile(t.backingFile, 16 * MiB);
    const tailBefore = sha256OfRange(t.backingFile, 3 * MiB + 1024, 4096);
    const img = path.join(dir, 'odd.raw');
    writeRandomFile(img, 3 * MiB + 1000);
    const r = await writeImage({ ...lunOf(t), rawPath: img, chunkBytes: MiB });
    assert.equal(r.bytesWritten, 3 * MiB + 1000);
    assert.equal(sha256OfRange(t.backingFile, 0, 3 * MiB + 1000), sha256OfFile(img));
    // The rest of the last sector is zero-filled; what lies beyond it is untouched.
    const pad = Buffer.alloc(24);
    const fd = fs.openSync(t.backingFile, 'r');
    fs.readSync(fd, pad, 0, 24, 3 * MiB + 1000);
    fs.closeSync(fd);
    assert.deepEqual(pad, Buffer.alloc(24));
    assert.equal(sha256OfRange(t.backingFile, 3 * MiB + 1024, 4096), tailBefore);
    await verifyImage({ ...lunOf(t), rawPath: img });
  });

  test('an image larger than the LUN is refused before any byte is written', async () => {
    const t = await newTarget(8 * MiB);
    writeRandomFile(t.backingFile, 8 * MiB);
    const before = sha256OfFile(t.backingFile);
    const img = path.join(dir, 'd.raw');
    writeRandomFile(img, 8 * MiB + 512);
    const progress: number[] = [];
    await assert.rejects(writeImage({ ...lunOf(t), rawPath: img, onProgress: (b) => progress.push(b) }), (e: unknown) => {
      assert.ok(e instanceof ImageTooLargeError, String(e));
      assert.equal(e.retryable, false);
      assert.equal(e.lunBytes, 8 * MiB);
      return true;
    });
    assert.deepEqual(progress, []);
    assert.equal(sha256OfFile(t.backingFile), before);
    assert.equal(await readLunCapacity(lunOf(t)), 8 * MiB);
  });

  test('an aborted write resumes from the reported offset and ends up verified', async () => {
    const t = await newTarget(64 * MiB);
    const img = path.join(dir, 'e.raw');
    writeRandomFile(img, 40 * MiB);
    const ac = new AbortController();
    let reported = 0;
    await assert.rejects(
      writeImage({
        ...lunOf(t),
        rawPath: img,
        chunkBytes: 4 * MiB,
        signal: ac.signal,
        onProgress: (b) => {
          reported = b;
          if (b >= 12 * MiB) ac.abort();
        },
      }),
      (e: unknown) => {
        assert.ok(e instanceof WriteAbortedError, String(e));
        assert.equal(e.bytesWritten, reported);
        return true;
      },
    );
    assert.ok(reported >= 12 * MiB && reported < 40 * MiB && reported % (4 * MiB) === 0, String(reported));
    // What was reported is really on the LUN; the image as a whole is not.
    assert.equal(sha256OfRange(t.backingFile, 0, reported), sha256OfRange(img, 0, reported));
    assert.notEqual(sha256OfRange(t.backingFile, 0, 40 * MiB), sha256OfFile(img));
    // verifyImage sees the same: the first `reported` bytes match, the whole image does not yet.
    assert.deepEqual(await verifyImage({ ...lunOf(t), rawPath: img, bytes: reported }), { comparedBytes: reported });
    await assert.rejects(verifyImage({ ...lunOf(t), rawPath: img }), ImageVerifyError);
    const r = await writeImage({ ...lunOf(t), rawPath: img, chunkBytes: 4 * MiB, resumeFrom: reported });
    assert.equal(r.resumedFrom, reported);
    assert.equal(r.chunks, (40 * MiB - reported) / (4 * MiB));
    await verifyImage({ ...lunOf(t), rawPath: img });
  });

  test('verifyImage reports a mismatch', async () => {
    const t = await newTarget(16 * MiB);
    const img = path.join(dir, 'f.raw');
    writeRandomFile(img, 2 * MiB);
    await writeImage({ ...lunOf(t), rawPath: img });
    const fd = fs.openSync(t.backingFile, 'r+');
    fs.writeSync(fd, Buffer.from('tampered'), 0, 8, MiB + 17);
    fs.closeSync(fd);
    await assert.rejects(verifyImage({ ...lunOf(t), rawPath: img }), (e: unknown) => {
      assert.ok(e instanceof ImageVerifyError, String(e));
      assert.match(e.message, /mismatch/i);
      return true;
    });
  });

  test('the CHAP secret never appears on any command line while writing', async () => {
    const t = await newTarget(64 * MiB);
    const img = path.join(dir, 'g.raw');
    writeRandomFile(img, 32 * MiB);
    let seen = 0;
    let leaked = false;
    let done = false;
    const poll = (async () => {
      while (!done) {
        for (const c of allCommandLines()) {
          if (c.includes('qemu-img')) seen++;
          if (c.includes(CHAP.secret)) leaked = true;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await writeImage({ ...lunOf(t), rawPath: img, chunkBytes: 2 * MiB });
    done = true;
    await poll;
    assert.ok(seen > 0, 'expected to catch qemu-img running');
    assert.equal(leaked, false);
  });
});

describe('writeImage when the target dies', () => {
  test('killing tgtd mid-chunk gives a clear retryable error, not a hang; the retry against a restarted target resumes and verifies', async (tc) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-iscsi-kill-'));
    const tgtd = await startTgtd(dir);
    let second: Tgtd | undefined;
    try {
      const iqn = `iqn.2026-11.org.ironflow:kill-${process.pid}`;
      const t = await tgtd.addTarget({ iqn, sizeBytes: 512 * MiB, chap: CHAP });
      const img = path.join(dir, 'big.raw');
      writeRandomFile(img, 448 * MiB);
      let firstChunkDone = false;
      // Once a chunk is done and the next qemu-img is running, kill the target under it.
      const killer = (async () => {
        await waitFor(async () => firstChunkDone, 30_000, 'the first chunk');
        await waitFor(async () => allCommandLines().some((c) => c.includes('qemu-img convert') && c.includes(iqn)), 10_000, 'qemu-img');
        await new Promise((r) => setTimeout(r, 100));
        await tgtd.kill();
      })();
      const started = Date.now();
      let failure: IscsiConnectionError | undefined;
      await assert.rejects(
        writeImage({ ...lunOf(t), rawPath: img, chunkBytes: 64 * MiB, portalProbeMs: 250, onProgress: () => (firstChunkDone = true) }),
        (e: unknown) => {
          assert.ok(e instanceof IscsiConnectionError, String(e));
          failure = e;
          assert.equal(e.retryable, true);
          assert.match(
            e.message,
            /^lost the iSCSI connection to iqn\.\S+ LUN 1 at 127\.0\.0\.1:\d+ after \d+ bytes \((portal unreachable: .*ECONNREFUSED|iSCSI: .*)\)$/,
          );
          assert.ok(!e.message.includes('driver='), e.message);
          return true;
        },
      );
      await killer;
      tc.diagnostic(`${failure!.message} (after ${Date.now() - started} ms)`);
      assert.ok(Date.now() - started < 20_000, 'should fail fast');
      assert.ok(failure!.bytesWritten >= 64 * MiB && failure!.bytesWritten < 448 * MiB, `bytesWritten ${failure!.bytesWritten}`);
      // The hung qemu-img was killed, not left behind.
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        allCommandLines().filter((c) => c.includes('qemu-img') && c.includes(iqn)),
        [],
      );

      // The "node" comes back (new tgtd, same disk, new port); the retry resumes where the error said.
      second = await startTgtd(dir);
      const t2 = await second.addTarget({ iqn, sizeBytes: 512 * MiB, chap: CHAP, backingFile: t.backingFile });
      const r = await writeImage({ ...lunOf(t2), rawPath: img, chunkBytes: 64 * MiB, resumeFrom: failure!.bytesWritten });
      assert.equal(r.resumedFrom, failure!.bytesWritten);
      assert.ok(r.chunks < 7, `resumed, so fewer than all 7 chunks (${r.chunks})`);
      await verifyImage({ ...lunOf(t2), rawPath: img });
    } finally {
      await tgtd.stop();
      await second?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
