// A real tgtd (user-space iSCSI target) for tests: listens on 127.0.0.1 on a
// free port, has its own management channel (-C N) so several can run at
// once, serves file-backed LUNs, and is stopped by its PID.
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { freeTcpPort, startProcess, waitFor, waitForTcp, type Proc } from './procs';

export interface TgtdTarget {
  tid: number;
  iqn: string;
  lun: number;
  backingFile: string;
  sizeBytes: number;
  portal: { address: string; port: number };
  chap?: { user: string; secret: string };
}

export interface Tgtd {
  pid: number;
  port: number;
  channel: number;
  /** Creates a target with LUN 1 backed by a new file of sizeBytes (zero-filled, sparse). */
  addTarget(opts: { iqn: string; sizeBytes: number; chap?: { user: string; secret: string }; backingFile?: string }): Promise<TgtdTarget>;
  /** Orderly stop: `tgtadm --op delete --mode system`, then SIGKILL by PID. */
  stop(): Promise<void>;
  /** Crash: SIGKILL by PID at once (for "target died mid-write" tests). */
  kill(): Promise<void>;
}

const CHANNEL_DIR = '/var/run/tgtd';

function channelInUse(n: number): boolean {
  return fs.existsSync(path.join(CHANNEL_DIR, `socket.${n}`)) || fs.existsSync(path.join(CHANNEL_DIR, `socket.${n}.lock`));
}

function pickChannel(): number {
  for (let i = 0; i < 100; i++) {
    const n = 1000 + Math.floor(Math.random() * 60000);
    if (!channelInUse(n)) return n;
  }
  throw new Error('no free tgtd management channel found');
}

async function tgtadm(channel: number, args: string[]): Promise<string> {
  const r = await runCommand({ file: 'tgtadm', args: ['-C', String(channel), '--lld', 'iscsi', ...args], timeoutMs: 10_000 });
  return r.stdout;
}

/** Starts tgtd in the foreground with its log under dir. */
export async function startTgtd(dir: string): Promise<Tgtd> {
  fs.mkdirSync(dir, { recursive: true });
  let lastErr: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeTcpPort();
    const channel = pickChannel();
    const logFile = path.join(dir, `tgtd-${channel}.log`);
    const proc = startProcess('tgtd', ['-f', '--iscsi', `portal=127.0.0.1:${port}`, '-C', String(channel)], { logFile });
    try {
      await waitForTcp(port, 15_000); // a loaded CI machine (VMs under TCG beside it) was seen to need more than 5 s
      await waitFor(async () => (await tgtadm(channel, ['--op', 'show', '--mode', 'sys'])).length > 0, 5000, 'tgtadm');
      return handle(proc, port, channel, dir);
    } catch (e) {
      lastErr = e;
      // A tgtd that exited by itself (e.g. the channel was taken meanwhile) owns no files to remove.
      const exitedByItself = proc.child.exitCode !== null || proc.child.signalCode !== null;
      await killPid(proc);
      if (!exitedByItself) removeChannelFiles(channel);
    }
  }
  throw new Error(`could not start tgtd: ${String(lastErr)}`);
}

/** tgtd leaves its management socket and lock file behind when killed. */
function removeChannelFiles(channel: number): void {
  for (const f of [`socket.${channel}`, `socket.${channel}.lock`]) fs.rmSync(path.join(CHANNEL_DIR, f), { force: true });
}

async function killPid(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
  try {
    process.kill(proc.pid, 'SIGKILL');
  } catch {
    return;
  }
  await gone;
}

function handle(proc: Proc, port: number, channel: number, dir: string): Tgtd {
  let nextTid = 1;
  const accounts = new Map<string, string>();
  return {
    pid: proc.pid,
    port,
    channel,
    async addTarget({ iqn, sizeBytes, chap, backingFile: existing }) {
      const tid = nextTid++;
      // An existing backing file is served as it is (e.g. after restarting a "crashed" tgtd).
      const backingFile = existing ?? path.join(dir, `lun-${channel}-${tid}.img`);
      if (!existing) {
        const fd = fs.openSync(backingFile, 'w');
        fs.ftruncateSync(fd, sizeBytes);
        fs.closeSync(fd);
      }
      await tgtadm(channel, ['--op', 'new', '--mode', 'target', '--tid', String(tid), '-T', iqn]);
      await tgtadm(channel, ['--op', 'new', '--mode', 'logicalunit', '--tid', String(tid), '--lun', '1', '-b', backingFile]);
      await tgtadm(channel, ['--op', 'bind', '--mode', 'target', '--tid', String(tid), '-I', 'ALL']);
      if (chap) {
        // tgtadm only takes the password on its command line; these are throw-away test secrets.
        const known = accounts.get(chap.user);
        if (known === undefined) {
          await tgtadm(channel, ['--op', 'new', '--mode', 'account', '--user', chap.user, '--password', chap.secret]);
          accounts.set(chap.user, chap.secret);
        } else if (known !== chap.secret) {
          throw new Error(`CHAP user ${chap.user} already exists on this tgtd with another secret`);
        }
        await tgtadm(channel, ['--op', 'bind', '--mode', 'account', '--tid', String(tid), '--user', chap.user]);
      }
      return { tid, iqn, lun: 1, backingFile, sizeBytes, portal: { address: '127.0.0.1', port }, chap };
    },
    async stop() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        await tgtadm(channel, ['--op', 'delete', '--mode', 'system']).catch(() => undefined);
      }
      await killPid(proc);
      removeChannelFiles(channel);
    },
    async kill() {
      await killPid(proc);
      removeChannelFiles(channel);
    },
  };
}
