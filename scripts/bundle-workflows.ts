// Bundles workflows/ once at build time so workers (and tests) start without webpack.
// Quiet by default: webpack's report is printed only when bundling fails, or always with
// IRONFLOW_BUILD_VERBOSE=1, so that a command's output is its own. The bundle is made
// again only when the compiled workflow code or the SDK changed.
import type { Logger, LogLevel, LogMetadata } from '@temporalio/common';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const dist = path.join(__dirname, '..');
const out = path.join(dist, 'workflow-bundle.js');
const stampFile = `${out}.sha256`;

/** What the bundle is made of: every compiled file under dist/workflows and the SDK's version. */
function inputsDigest(): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? walk(p) : p.endsWith('.js') ? [p] : [];
    });
  for (const f of walk(path.join(dist, 'workflows')).sort()) h.update(f).update(fs.readFileSync(f));
  h.update(fs.readFileSync(require.resolve('@temporalio/workflow/package.json')));
  return h.digest('hex');
}

/** A logger that keeps webpack's report until we know whether anyone needs to see it. */
function bufferingLogger(verbose: boolean): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const line = meta && Object.keys(meta).length ? `${message} ${JSON.stringify(meta)}` : message;
    if (verbose) console.error(line);
    else lines.push(`[${level}] ${line}`);
  };
  return {
    lines,
    log,
    trace: (m, meta) => log('TRACE', m, meta),
    debug: (m, meta) => log('DEBUG', m, meta),
    info: (m, meta) => log('INFO', m, meta),
    warn: (m, meta) => log('WARN', m, meta),
    error: (m, meta) => log('ERROR', m, meta),
  };
}

async function main(): Promise<void> {
  const digest = inputsDigest();
  if (fs.existsSync(out) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === digest) return;
  const logger = bufferingLogger(process.env.IRONFLOW_BUILD_VERBOSE === '1');
  try {
    // Loaded only when needed: the worker SDK takes a second to load.
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger });
    fs.writeFileSync(`${out}.tmp`, code);
    fs.renameSync(`${out}.tmp`, out);
    fs.writeFileSync(stampFile, digest);
  } catch (e) {
    for (const line of logger.lines) console.error(line);
    throw e;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
