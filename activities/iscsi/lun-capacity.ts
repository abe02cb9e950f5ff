// Reads a LUN's capacity in bytes through qemu-img's iscsi driver.
import { runCommand } from '../shared/command-runner';
import { describeLun, withLunSession, type IscsiLun } from './lun';
import { classifyQemuIscsiFailure } from './qemu-errors';

export async function readLunCapacity(lun: IscsiLun, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number> {
  return withLunSession(lun, async (s) => {
    try {
      const r = await runCommand({
        file: 'qemu-img',
        args: ['info', '--output=json', ...s.objectArgs, '--image-opts', s.iscsiOpts()],
        signal: opts.signal,
        timeoutMs: opts.timeoutMs ?? 30_000,
      });
      const size = (JSON.parse(r.stdout) as { 'virtual-size'?: number })['virtual-size'];
      if (typeof size !== 'number') throw new Error(`qemu-img info reported no size for ${describeLun(lun)}`);
      return size;
    } catch (e) {
      throw classifyQemuIscsiFailure(e, describeLun(lun), 0);
    }
  });
}
