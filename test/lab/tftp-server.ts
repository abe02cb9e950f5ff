// tftpd-hpa for the lab: `in.tftpd -L -a 127.0.0.1:PORT -s ROOT` in the
// foreground, serving ROOT (chroot) as the `tftp` user, so the root and its
// files must be world-readable.
import fs from 'node:fs';
import path from 'node:path';
import { spawnDetached, stopDetached, type DetachedProcess } from './detached-process';

export interface TftpServer {
  root: string;
  port: number;
  process: DetachedProcess;
  stop(): Promise<void>;
}

export async function startTftpServer(opts: { root: string; port: number; logFile: string }): Promise<TftpServer> {
  fs.mkdirSync(path.join(opts.root, 'pxelinux.cfg'), { recursive: true });
  fs.chmodSync(opts.root, 0o755);
  fs.chmodSync(path.join(opts.root, 'pxelinux.cfg'), 0o755);
  const proc = spawnDetached('/usr/sbin/in.tftpd', ['-L', '-a', `127.0.0.1:${opts.port}`, '-s', opts.root], { logFile: opts.logFile });
  // in.tftpd binds at once; give it a moment and check it is still there.
  await new Promise((r) => setTimeout(r, 100));
  try {
    process.kill(proc.pid, 0);
  } catch {
    throw new Error(`in.tftpd exited at start (see ${opts.logFile})`);
  }
  return { root: opts.root, port: opts.port, process: proc, stop: () => stopDetached(proc) };
}
