// Bundles workflows/ once at build time so workers (and tests) start without webpack.
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';

async function main(): Promise<void> {
  const out = path.join(__dirname, '..', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: undefined });
  fs.writeFileSync(`${out}.tmp`, code);
  fs.renameSync(`${out}.tmp`, out);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
