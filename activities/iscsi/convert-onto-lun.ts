// One `qemu-img convert` of a source (qemu `--image-opts` text) onto a window of an
// iSCSI LUN, with qemu's writeback cache; a failure becomes the typed iSCSI error.
import { runCommand } from '../shared/command-runner';
import { describeLun, type IscsiLun, type LunSession } from './lun';
import { classifyQemuIscsiFailure } from './qemu-errors';

export async function convertOntoLun(
  lun: IscsiLun,
  s: LunSession,
  source: string,
  window: { offset: number; size: number },
  o: { signal?: AbortSignal; timeoutMs: number; errorOffset: number },
): Promise<void> {
  try {
    await runCommand({
      file: 'qemu-img',
      args: ['convert', '-n', '-t', 'writeback', ...s.objectArgs, '--image-opts', source, '--target-image-opts', s.rawOpts(window)],
      signal: o.signal,
      timeoutMs: o.timeoutMs,
    });
  } catch (e) {
    throw classifyQemuIscsiFailure(e, describeLun(lun), o.errorOffset);
  }
}
