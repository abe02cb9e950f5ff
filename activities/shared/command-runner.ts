// The one choke point for every shell-out (ipmitool, qemu-img, tgtadm, ...).
// Secrets travel by environment variable or file, never argv: `secretEnv` values
// are merged into the child's environment and scrubbed from any error text.
// Tools run in the C locale (LC_ALL=C) unless the caller's `env` says otherwise: their
// output is parsed, and must not depend on the machine's LANG/LC_*.
import { spawn } from 'node:child_process';

/** The locale every tool runs in: messages, numbers and dates as our parsers expect them. */
export const TOOL_LOCALE: Readonly<Record<string, string>> = { LC_ALL: 'C' };

/** An environment for a tool: base (this process's own by default) with LC_ALL=C over it. */
export function toolEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...TOOL_LOCALE };
}

export interface CommandSpec {
  /** Executable (absolute path or a name on PATH). */
  file: string;
  args: readonly string[];
  /** Extra environment variables that are not secret (they may override LC_ALL=C). */
  env?: Record<string, string>;
  /** Environment variables holding secrets; their values never appear in errors. */
  secretEnv?: Record<string, string>;
  cwd?: string;
  /** Kill the child (SIGKILL) after this many milliseconds. */
  timeoutMs?: number;
  stdin?: string | Buffer;
  signal?: AbortSignal;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
  durationMs: number;
}

export class CommandFailedError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'CommandFailedError';
  }
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('******');
  return out;
}

/** Runs a command to completion. Rejects with CommandFailedError on a non-zero exit or timeout. */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const secrets = Object.values(spec.secretEnv ?? {});
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(spec.file, [...spec.args], {
      cwd: spec.cwd,
      env: { ...toolEnv(), ...spec.env, ...spec.secretEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: spec.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer =
      spec.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, spec.timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.stdin.end(spec.stdin ?? '');
    child.on('error', (e) => {
      if (timer) clearTimeout(timer);
      reject(new CommandFailedError(scrub(`${spec.file}: ${e.message}`, secrets), null, '', '', false));
    });
    child.on('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        resolve({ stdout, stderr, code, durationMs: Date.now() - started });
        return;
      }
      const why = timedOut ? `timed out after ${spec.timeoutMs} ms` : sig ? `killed by ${sig}` : `exited with ${code}`;
      const detail = stderr.trim().split('\n').slice(-3).join(' | ');
      reject(
        new CommandFailedError(
          scrub(`${spec.file} ${why}${detail ? `: ${detail}` : ''}`, secrets),
          code,
          scrub(stdout, secrets),
          scrub(stderr, secrets),
          timedOut,
        ),
      );
    });
  });
}
