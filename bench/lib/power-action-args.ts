// Command-line options of `npm run bench -- power`.

export interface PowerActionBenchArgs {
  /** Power on + power off pairs timed through the API, and as many native set + get pairs. */
  iterations: number;
  /** How often the client reads GET /v1/nodes/{id} while it waits, ms. */
  pollMs: number;
  json: boolean;
  help: boolean;
}

export const POWER_ACTION_BENCH_USAGE = `usage: npm run bench -- power [options]
  --iterations N   power on + power off pairs through the API, and native set + get pairs (default 30)
  --quick          --iterations 8
  --poll-ms P      the client reads GET /v1/nodes/{id} every P ms while it waits (default 5)
  --json           also print the results as one JSON line`;

export class PowerActionBenchUsageError extends Error {}

function wholeNumber(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(n) || n < min) {
    throw new PowerActionBenchUsageError(`--${name} needs a whole number of at least ${min}, got ${text ?? 'nothing'}`);
  }
  return n;
}

export function parsePowerActionBenchArgs(argv: readonly string[]): PowerActionBenchArgs {
  const out: PowerActionBenchArgs = { iterations: 30, pollMs: 5, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    const noValue = (): void => {
      if (eq > 0) throw new PowerActionBenchUsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case '--iterations':
        out.iterations = wholeNumber('iterations', value(), 1);
        break;
      case '--quick':
        noValue();
        out.iterations = 8;
        break;
      case '--poll-ms':
        out.pollMs = wholeNumber('poll-ms', value(), 1);
        break;
      case '--json':
        noValue();
        out.json = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      default:
        throw new PowerActionBenchUsageError(`unknown option ${a}\n${POWER_ACTION_BENCH_USAGE}`);
    }
  }
  return out;
}
