// Runs the real `baremetal` CLI (python3-ironicclient) against a test stack.
import { execFile } from 'node:child_process';
import { toolEnv } from '#activities/shared/command-runner';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function baremetal(url: string, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'baremetal',
      ['--max-retries', '0', ...args],
      {
        // HOME in a temp dir keeps the client's version cache out of the user's home.
        env: { ...toolEnv(), OS_ENDPOINT: url, OS_AUTH_TYPE: 'none', HOME: process.env.IRONFLOW_TEST_HOME ?? '/tmp', ...extraEnv },
        timeout: timeoutMs,
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `-f json` output of a show/create command. */
export async function baremetalJson(url: string, args: string[]): Promise<any> {
  const r = await baremetal(url, [...args, '-f', 'json']);
  if (r.code !== 0) throw new Error(`baremetal ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
