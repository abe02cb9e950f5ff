// The command runner runs every tool in the C locale, whatever the machine's (or the
// operator's shell's) LANG/LC_* say, unless a caller asks for another one.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandFailedError, runCommand, toolEnv } from './command-runner';

const LOCALE_VARS = ['LANG', 'LC_ALL', 'LC_MESSAGES', 'LC_NUMERIC', 'LANGUAGE'] as const;
const showLocale = 'printf "%s|%s|%s" "$LC_ALL" "$LANG" "$LC_NUMERIC"';

describe('command runner locale', () => {
  const saved: Partial<Record<string, string>> = {};
  beforeEach(() => {
    for (const k of LOCALE_VARS) saved[k] = process.env[k];
    // A German developer's machine.
    Object.assign(process.env, { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', LC_NUMERIC: 'de_DE.UTF-8', LANGUAGE: 'de' });
  });
  afterEach(() => {
    for (const k of LOCALE_VARS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test('a tool runs with LC_ALL=C, which outranks the inherited LANG and LC_*', async () => {
    const r = await runCommand({ file: 'sh', args: ['-c', showLocale] });
    assert.equal(r.stdout, 'C|de_DE.UTF-8|de_DE.UTF-8');
  });

  test('a caller may ask for another locale', async () => {
    const r = await runCommand({ file: 'sh', args: ['-c', showLocale], env: { LC_ALL: 'C.UTF-8' } });
    assert.equal(r.stdout, 'C.UTF-8|de_DE.UTF-8|de_DE.UTF-8');
  });

  test('a failing tool reports in the C locale too', async () => {
    const e = await runCommand({ file: 'sh', args: ['-c', 'echo "LC_ALL=$LC_ALL" >&2; exit 3'] }).catch((x: unknown) => x);
    assert.ok(e instanceof CommandFailedError);
    assert.equal(e.code, 3);
    assert.match(e.message, /exited with 3: LC_ALL=C$/);
  });

  test('toolEnv puts LC_ALL=C over any base environment, keeping the rest', () => {
    assert.deepEqual(toolEnv({ PATH: '/bin', LC_ALL: 'de_DE.UTF-8', TZ: 'Pacific/Chatham' }), {
      PATH: '/bin',
      LC_ALL: 'C',
      TZ: 'Pacific/Chatham',
    });
    assert.equal(toolEnv().LC_ALL, 'C');
    assert.equal(toolEnv().LANG, 'de_DE.UTF-8');
  });
});
