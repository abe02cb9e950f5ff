// The API process: Ironic v1 on 127.0.0.1:6385 by default.
import { Client, Connection } from '@temporalio/client';
import { openDatabase } from '#prisma/database';
import { migrate } from '#prisma/migrate';
import { repoRoot } from '#apps/shared/repo-root';
import { createLogger } from '../../shared/logger';
import { buildApp } from './app';
import { loadApiConfig } from './config';

async function main(): Promise<void> {
  const cfg = loadApiConfig();
  const log = createLogger('api', cfg.common.logLevel);
  await migrate(cfg.common.databaseUrl, repoRoot());
  const db = openDatabase(cfg.common.databaseUrl);
  const connection = await Connection.connect({ address: cfg.common.temporal.address });
  const temporal = new Client({ connection, namespace: cfg.common.temporal.namespace });
  const app = await buildApp({
    db,
    keys: cfg.common.keys,
    temporal,
    taskQueue: cfg.common.temporal.taskQueue,
    auth: cfg.auth,
    conductor: cfg.conductor,
    maxLimit: cfg.maxLimit,
    bodyLimitBytes: cfg.bodyLimitBytes,
    log,
    automatedClean: cfg.automatedClean,
    callbackTimeoutSec: cfg.callbackTimeoutSec,
    inspectTimeoutSec: cfg.inspectTimeoutSec,
    imageAllowedNetworks: cfg.imageAllowedNetworks,
    callbackLimits: cfg.callbackLimits,
    consoleLogDir: cfg.consoleLogDir,
    defaultBootMode: cfg.defaultBootMode,
    discovery: cfg.discovery,
  });
  await app.listen(cfg.port, cfg.host);
  log.info({ url: `http://${cfg.host}:${cfg.port}`, auth: cfg.auth.mode }, 'api listening');
  const stop = async () => {
    await app.close();
    await connection.close();
    await db.$disconnect();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
