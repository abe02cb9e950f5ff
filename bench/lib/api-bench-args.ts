// Command-line options of `npm run bench -- api`.

export type DbKind = 'sqlite' | 'postgres';

export interface ApiBenchArgs {
  nodes: number;
  concurrency: number;
  requests: number;
  db: DbKind;
  withIronic: boolean;
  /** Also measure Ironic when it is installed (false: `--no-ironic`). */
  ironic: boolean;
  /** Directory for a V8 CPU profile of the Ironflow API process, if wanted. */
  cpuProf?: string;
  json: boolean;
}

export const API_BENCH_USAGE = `usage: npm run bench -- api [options]
  --nodes N          nodes to enroll, one port each (default 1000)
  --concurrency C    concurrent HTTP clients while enrolling (default 8)
  --requests R       sequential GETs of /v1/nodes and of /v1/nodes/detail (default 50)
  --db sqlite|postgres   Ironflow's database (default sqlite; Ironic always uses its SQLite config)
  --with-ironic      install Ironic from Debian first if it is missing (apt; a few minutes)
  --no-ironic        measure Ironflow only
  --cpu-prof DIR     write a V8 CPU profile of the Ironflow API process to DIR
  --json             also print the results as one JSON line`;

export class UsageError extends Error {}

function positiveInt(name: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n <= 0)
    throw new UsageError(`--${name} needs a positive whole number, got ${text ?? 'nothing'}`);
  return n;
}

export function parseApiBenchArgs(argv: readonly string[]): ApiBenchArgs {
  const out: ApiBenchArgs = { nodes: 1000, concurrency: 8, requests: 50, db: 'sqlite', withIronic: false, ironic: true, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--nodes':
        out.nodes = positiveInt('nodes', value());
        break;
      case '--concurrency':
        out.concurrency = positiveInt('concurrency', value());
        break;
      case '--requests':
        out.requests = positiveInt('requests', value());
        break;
      case '--db': {
        const v = value();
        if (v !== 'sqlite' && v !== 'postgres') throw new UsageError(`--db is sqlite or postgres, got ${v ?? 'nothing'}`);
        out.db = v;
        break;
      }
      case '--with-ironic':
        out.withIronic = true;
        break;
      case '--no-ironic':
        out.ironic = false;
        break;
      case '--cpu-prof': {
        const v = value();
        if (!v) throw new UsageError('--cpu-prof needs a directory');
        out.cpuProf = v;
        break;
      }
      case '--json':
        out.json = true;
        break;
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  if (out.withIronic && !out.ironic) throw new UsageError('--with-ironic and --no-ironic contradict each other');
  return out;
}
