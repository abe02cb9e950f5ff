// The reference for the write step: one plain `qemu-img convert -n` of the raw
// image to a fresh tgtd target shaped like a lab node's (same tgtd options, a
// sparse file-backed LUN of the node's disk size). No CHAP: it only changes the
// login, and a secret would have to go on qemu-img's command line.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../activities/shared/command-runner';
import { startTgtd } from '../../test/support/tgtd';

export interface PlainWrite {
  bytes: number;
  seconds: number;
  MiBps: number;
}

export async function plainQemuImgWrite(rawPath: string, lunBytes: number, register: (name: string, stop: () => Promise<void>) => void): Promise<PlainWrite> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dbench-plain-'));
  const tgtd = await startTgtd(dir);
  const stop = async () => {
    await tgtd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  register(`tgtd ${tgtd.pid} (plain qemu-img target)`, stop);
  const t = await tgtd.addTarget({ iqn: 'iqn.2026-11.org.ironflow:dbench-plain', sizeBytes: lunBytes });
  const bytes = fs.statSync(rawPath).size;
  const started = process.hrtime.bigint();
  await runCommand({
    file: 'qemu-img',
    args: ['convert', '-n', '-f', 'raw', '-O', 'raw', rawPath, `iscsi://127.0.0.1:${t.portal.port}/${t.iqn}/1`],
    timeoutMs: 60 * 60_000,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { bytes, seconds, MiBps: bytes / (1024 * 1024) / seconds };
}
