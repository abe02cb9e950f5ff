// The reference for the write step: one plain `qemu-img convert -n` of the raw
// image to a fresh tgtd target shaped like a lab node's (same tgtd options, a
// sparse file-backed LUN of the node's disk size). No CHAP: it only changes the
// login, and a secret would have to go on qemu-img's command line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { startTgtd } from '#test/support/tgtd';

export interface PlainWrite {
  bytes: number;
  /** The median round. */
  seconds: number;
  MiBps: number;
  /** Every round, each to a fresh target, in order. */
  roundSeconds: number[];
}

export async function plainQemuImgWrite(
  rawPath: string,
  lunBytes: number,
  register: (name: string, stop: () => Promise<void>) => void,
  rounds = 3,
): Promise<PlainWrite> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dbench-plain-'));
  const tgtd = await startTgtd(dir);
  const stop = async () => {
    await tgtd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  register(`tgtd ${tgtd.pid} (plain qemu-img target)`, stop);
  const bytes = fs.statSync(rawPath).size;
  const roundSeconds: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // A fresh sparse LUN each round, as each deploy writes to a fresh node disk.
    const t = await tgtd.addTarget({ iqn: `iqn.2026-11.org.ironflow:dbench-plain-${i}`, sizeBytes: lunBytes });
    const started = process.hrtime.bigint();
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-n', '-f', 'raw', '-O', 'raw', rawPath, `iscsi://127.0.0.1:${t.portal.port}/${t.iqn}/1`],
      timeoutMs: 60 * 60_000,
    });
    roundSeconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    fs.rmSync(t.backingFile, { force: true }); // tgtd keeps it open; the space returns when tgtd stops
  }
  const seconds = [...roundSeconds].sort((a, b) => a - b)[Math.floor(rounds / 2)];
  return { bytes, seconds, MiBps: bytes / (1024 * 1024) / seconds, roundSeconds };
}
