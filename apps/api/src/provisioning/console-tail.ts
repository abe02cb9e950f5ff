// The last lines of a node's serial console, for `GET /v1/nodes/{id}/operation` while an
// operation runs or after it failed: what an operator looks at first when a step hangs.
// The source is a console log file `<IRONFLOW_CONSOLE_LOG_DIR>/<node name>/console.log`
// (the VM lab writes its VMs' serial consoles there); never a path taken from a request or
// from driver_info. Deploy secrets that reach a console (a kernel command line printed at
// boot) are masked.
import fs from 'node:fs/promises';
import path from 'node:path';

export const CONSOLE_TAIL_LINES = 20;
/** Read at most this much from the end of the log. */
const TAIL_BYTES = 16 * 1024;

export type ConsoleTail = { source: 'console log'; lines: string[] } | { source: null; lines: []; why: string };

/** Masks the values of secret-looking `key=value` words (ironflow.secret, chap_secret, password, token). */
export function maskConsoleSecrets(line: string): string {
  return line.replace(/(\b[\w.]*(?:secret|password|passwd|token)[\w.]*=)(\S+)/gi, '$1***');
}

/** Terminal control sequences and carriage returns out, so the lines read as text. */
function plain(text: string): string {
  return text
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[()][A-Za-z0-9]/g, '')
    .replace(/\r(?!\n)/g, '\n')
    .replace(/[^\n\t\x20-\x7e\u00a0-\uffff]/g, '');
}

export async function readConsoleTail(dir: string | null, nodeName: string | null, lines = CONSOLE_TAIL_LINES): Promise<ConsoleTail> {
  const why = (w: string): ConsoleTail => ({ source: null, lines: [], why: w });
  if (!dir) return why('No console log directory is configured (IRONFLOW_CONSOLE_LOG_DIR); Serial-over-LAN consoles are not built yet.');
  if (!nodeName || nodeName.includes('/') || nodeName.startsWith('.'))
    return why('The node has no name to find its console log by (<IRONFLOW_CONSOLE_LOG_DIR>/<node name>/console.log).');
  const file = path.join(dir, nodeName, 'console.log');
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch {
    return why(
      `No console log for this node (${nodeName}/console.log under IRONFLOW_CONSOLE_LOG_DIR); Serial-over-LAN consoles are not built yet.`,
    );
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    let text = plain(buf.toString('utf8'));
    if (start > 0) text = text.slice(text.indexOf('\n') + 1); // the first line may be cut
    const all = text.split('\n').map((l) => l.trimEnd());
    while (all.length && all[all.length - 1] === '') all.pop();
    return { source: 'console log', lines: all.slice(-lines).map(maskConsoleSecrets) };
  } finally {
    await fh.close();
  }
}
