// Command-line options of `npm run bench -- deploy`.

export interface DeployBenchArgs {
  /** Size of the generated image (raw, before qcow2 conversion), MiB. */
  sizeMiB: number;
  /** Lab nodes deployed at once in the concurrent phase. */
  concurrent: number;
  json: boolean;
  help: boolean;
  /** --overhead: only the fixed cost of a deploy (bench/lib/deploy-overhead.ts), over this many warm rounds. */
  overhead?: { rounds: number };
}

export const DEPLOY_BENCH_USAGE = `usage: npm run bench -- deploy [options]
  --size-mib N       image size in MiB: pseudo-random raw converted to qcow2, cached in .cache/bench/ (default 1024)
  --concurrent C     lab nodes deployed at once in the concurrent phase (default 5)
  --json             also print the results as one JSON line
  --overhead         only the deploy's fixed cost outside the image bytes: one cold deploy, then warm
                     deploys (--rounds, default 3) of a 64 MiB image unless --size-mib says otherwise
  --rounds R         warm deploys measured with --overhead (default 3)`;

export class DeployBenchUsageError extends Error {}

function positiveInt(name: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(n) || n < 1) {
    throw new DeployBenchUsageError(`--${name} needs a whole number of at least 1, got ${text ?? 'nothing'}`);
  }
  return n;
}

export function parseDeployBenchArgs(argv: readonly string[]): DeployBenchArgs {
  const out: DeployBenchArgs = { sizeMiB: 1024, concurrent: 5, json: false, help: false };
  let sized = false;
  let rounds = 3;
  let overhead = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => (eq > 0 ? a.slice(eq + 1) : argv[++i]);
    switch (flag) {
      case '--size-mib':
        out.sizeMiB = positiveInt('size-mib', value());
        sized = true;
        break;
      case '--overhead':
        if (eq > 0) throw new DeployBenchUsageError('--overhead takes no value');
        overhead = true;
        break;
      case '--rounds':
        rounds = positiveInt('rounds', value());
        break;
      case '--concurrent':
        out.concurrent = positiveInt('concurrent', value());
        break;
      case '--json':
        if (eq > 0) throw new DeployBenchUsageError('--json takes no value');
        out.json = true;
        break;
      case '--help':
      case '-h':
        out.help = true;
        break;
      default:
        throw new DeployBenchUsageError(`unknown option ${a}\n${DEPLOY_BENCH_USAGE}`);
    }
  }
  if (overhead) {
    out.overhead = { rounds };
    if (!sized) out.sizeMiB = 64;
  }
  return out;
}
