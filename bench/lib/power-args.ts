// Command-line options of `npm run bench -- power-sync`.

export interface PowerBenchArgs {
  bmcs: number;
  /** Calls in flight: the library-level passes and the stack worker's IPMI drivers alike. */
  concurrency: number;
  /** Library-level passes per driver (at least 2: one cold, the rest warm). */
  passes: number;
  /** The periodic sync's interval in the full-stack part, seconds. */
  intervalSec: number;
  /** Power on and power off requests each, in the API latency part. */
  reps: number;
  /** Nodes per syncPowerBatch activity in the full-stack part. */
  batchSize: number;
  /** Random delay before each read of a batch, ms (the worker's default is 200; 0 here so passes compare). */
  jitterMs: number;
  /** false (`--no-stack`): library-level passes only, no Temporal/API/DB. */
  stack: boolean;
  json: boolean;
  help: boolean;
}

export const POWER_BENCH_USAGE = `usage: npm run bench -- power-sync [options]
  --bmcs N           ipmi_sim BMCs, one Ironflow node each (default 100)
  --concurrency C    IPMI calls in flight, library passes and stack worker alike (default 16)
  --passes P         library-level passes per driver, first native one cold (default 3, min 2)
  --interval S       the periodic power sync's interval in the full-stack part (default 5)
  --reps R           API power on and power off requests each (default 5)
  --batch-size B     nodes per sync batch activity (default 250, the worker's default)
  --jitter-ms J      random delay before each read in a batch (default 0; the worker's default is 200)
  --no-stack         library-level passes only (no Temporal, database or API)
  --json             also print the results as one JSON line`;

export class PowerBenchUsageError extends Error {}

function wholeNumber(name: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(n) || n < min) {
    throw new PowerBenchUsageError(`--${name} needs a whole number of at least ${min}, got ${text ?? 'nothing'}`);
  }
  return n;
}
const positiveInt = (name: string, text: string | undefined): number => wholeNumber(name, text, 1);

export function parsePowerBenchArgs(argv: readonly string[]): PowerBenchArgs {
  const out: PowerBenchArgs = {
    bmcs: 100,
    concurrency: 16,
    passes: 3,
    intervalSec: 5,
    reps: 5,
    batchSize: 250,
    jitterMs: 0,
    stack: true,
    json: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    const noValue = (): void => {
      if (eq > 0) throw new PowerBenchUsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case '--bmcs':
        out.bmcs = positiveInt('bmcs', value());
        break;
      case '--concurrency':
        out.concurrency = positiveInt('concurrency', value());
        break;
      case '--passes':
        out.passes = Math.max(2, positiveInt('passes', value()));
        break;
      case '--interval':
        out.intervalSec = positiveInt('interval', value());
        break;
      case '--reps':
        out.reps = positiveInt('reps', value());
        break;
      case '--batch-size':
        out.batchSize = positiveInt('batch-size', value());
        break;
      case '--jitter-ms':
        out.jitterMs = wholeNumber('jitter-ms', value(), 0);
        break;
      case '--no-stack':
        noValue();
        out.stack = false;
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
        throw new PowerBenchUsageError(`unknown option ${a}\n${POWER_BENCH_USAGE}`);
    }
  }
  return out;
}
