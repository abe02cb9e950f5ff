// Test helpers for processes and ports: everything listens on 127.0.0.1 on a
// port picked free, and is stopped by its PID (never by name).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import dgram from 'node:dgram';
import { toolEnv } from '#activities/shared/command-runner';

/** A free TCP port on 127.0.0.1. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A free UDP port on 127.0.0.1. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.on('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running process with output to logFile, in the C locale (LC_ALL=C over opts.env). */
export function startProcess(file: string, args: string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): Proc {
  const fd = fs.openSync(opts.logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', fd, fd], env: toolEnv(opts.env), cwd: opts.cwd });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    child,
    pid,
    logFile: opts.logFile,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls fn until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  // performance.now(): monotonic, so a step of the wall clock (NTP) neither ends nor stretches the wait.
  const deadline = performance.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export function waitForTcp(port: number, timeoutMs: number): Promise<true> {
  return waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    timeoutMs,
    `127.0.0.1:${port}`,
  );
}
