// The Temporal worker: registers the workflows and builds the activities' dependencies.
import { NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import path from 'node:path';
import { createActivities } from '../../../activities';
import { openDatabase } from '../../../prisma/database';
import { migrate } from '../../../prisma/migrate';
import { repoRoot } from '../../../activities/shared/repo-root';
import { loadCommonConfig, type CommonConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts a worker; used by main() and by the integration tests. */
export async function startWorker(cfg: CommonConfig, opts: { taskQueue?: string; migrate?: boolean } = {}): Promise<RunningWorker> {
  if (opts.migrate !== false) await migrate(cfg.databaseUrl, repoRoot());
  const db = openDatabase(cfg.databaseUrl);
  const connection = await NativeConnection.connect({ address: cfg.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: opts.taskQueue ?? cfg.temporal.taskQueue,
    workflowBundle: { codePath: path.join(repoRoot(), 'dist', 'workflow-bundle.js') },
    activities: createActivities({ db, keys: cfg.keys }),
  });
  const done = worker.run().finally(async () => {
    await connection.close();
    await db.$disconnect();
  });
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

async function main(): Promise<void> {
  const cfg = loadCommonConfig();
  const log = createLogger('worker', cfg.logLevel);
  Runtime.install({ logger: new DefaultLogger((cfg.logLevel.toUpperCase() as LogLevel) ?? 'INFO', (entry) => log.info({ meta: entry.meta }, entry.message)) });
  const running = await startWorker(cfg);
  log.info({ temporal: cfg.temporal.address, taskQueue: cfg.temporal.taskQueue }, 'worker started');
  await running.done;
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
