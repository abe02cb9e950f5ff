// Checks that a LUN starts with exactly the bytes of a raw image
// (`qemu-img compare` between the file and the LUN's first N bytes).
import fs from 'node:fs/promises';
import { CommandFailedError, runCommand } from '../shared/command-runner';
import { ImageVerifyError } from './errors';
import { describeLun, rawFileOpts, withLunSession, type IscsiLun } from './lun';
import { classifyQemuIscsiFailure } from './qemu-errors';

export interface VerifyImageInput extends IscsiLun {
  rawPath: string;
  /** Compare only the first N bytes (default: the whole image). */
  bytes?: number;
  signal?: AbortSignal;
  tmpDir?: string;
}

/** Resolves when equal; throws ImageVerifyError on a mismatch. */
export async function verifyImage(input: VerifyImageInput): Promise<{ comparedBytes: number }> {
  const target = describeLun(input);
  const imageBytes = (await fs.stat(input.rawPath)).size;
  // Whole image: the LUN side is padded to a sector (the writer zero-fills the last one).
  // A prefix: rounded down to a sector.
  const whole = input.bytes === undefined || input.bytes >= imageBytes;
  const n = whole ? imageBytes : input.bytes! - (input.bytes! % 512);
  const lunWindow = { offset: 0, size: Math.ceil(n / 512) * 512 };
  return withLunSession(
    input,
    async (s) => {
      try {
        await runCommand({
          file: 'qemu-img',
          args: [
            'compare',
            ...s.objectArgs,
            '--image-opts',
            whole ? rawFileOpts(input.rawPath) : rawFileOpts(input.rawPath, { offset: 0, size: n }),
            s.rawOpts(lunWindow),
          ],
          signal: input.signal,
        });
      } catch (e) {
        if (e instanceof CommandFailedError && e.code === 1) {
          throw new ImageVerifyError(target, e.stdout.trim() || 'content mismatch');
        }
        throw classifyQemuIscsiFailure(e, target, 0);
      }
      return { comparedBytes: n };
    },
    input.tmpDir,
  );
}
