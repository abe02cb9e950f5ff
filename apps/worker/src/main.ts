// The Temporal worker: registers the workflows and builds the activities' dependencies.
// It also makes sure the periodic power-sync workflow runs with the configured settings.
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { NativeConnection, Worker, Runtime, DefaultLogger, type LogLevel } from '@temporalio/worker';
import path from 'node:path';
import { createActivities } from '#activities';
import { fakePower } from '#activities/fake-hardware/fake-power';
import { createDeploymentStore } from '#activities/deploy/deployments';
import { startImageServer } from '#activities/deploy/image-server';
import { prepareBootRoot } from '#activities/deploy/boot-root';
import { applyDiscoveryBoot } from '#activities/deploy/discovery-boot';
import { ImageCache } from '#activities/images';
import { IpmitoolDriver, NativeIpmiDriver } from '#activities/ipmi';
import { ipmiPower } from '#activities/power/ipmi-power';
import { redfishPower } from '#activities/power/redfish-power';
import { RedfishDriver } from '#activities/redfish';
import type { PowerInterfaces } from '#activities/power/power-interface';
import { openDatabase } from '#prisma/database';
import { migrate } from '#prisma/migrate';
import { repoRoot } from '#apps/shared/repo-root';
import { powerSyncWorkflowId, type PowerSyncSettings } from '#workflows/contracts/power';
import type { CommonConfig } from '../../shared/config';
import { createLogger } from '../../shared/logger';
import { dataPathDefaults, loadWorkerConfig, type DataPathConfig, type WorkerConfig } from './config';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  /** Boot files (pxelinux, iPXE EFI) whose Debian sources are not installed: their PXE clients cannot boot. */
  missingBootFiles: string[];
  stop(): Promise<void>;
}

export interface WorkerOptions {
  taskQueue?: string;
  migrate?: boolean;
  ipmi?: WorkerConfig['ipmi'];
  redfish?: Partial<WorkerConfig['redfish']>;
  data?: DataPathConfig;
}

/** Starts a worker; used by main() and by the integration tests. */
export async function startWorker(cfg: CommonConfig, opts: WorkerOptions = {}): Promise<RunningWorker> {
  if (opts.migrate !== false) await migrate(cfg.databaseUrl, repoRoot());
  const db = openDatabase(cfg.databaseUrl);
  // Power/management interface name -> implementation: one line per driver (the registry says which a node uses).
  const powerInterfaces: PowerInterfaces = {
    ipmi: ipmiPower(new NativeIpmiDriver({ maxConcurrency: opts.ipmi?.maxConcurrency ?? 64 })),
    ipmitool: ipmiPower(new IpmitoolDriver({ maxConcurrency: opts.ipmi?.ipmitoolConcurrency ?? 16 })),
    redfish: redfishPower(
      new RedfishDriver({ maxConcurrency: opts.redfish?.maxConcurrency ?? 64, requestTimeoutMs: opts.redfish?.requestTimeoutMs }),
    ),
    fake: fakePower(db),
  };
  const data = opts.data ?? dataPathDefaults(cfg.dataDir);
  const missingBootFiles = prepareBootRoot(data.bootRoot, undefined, data.httpBootUrl, data.discovery ?? false);
  await applyDiscoveryBoot({ ...data, enabled: data.discovery ?? false });
  const cache = new ImageCache({
    root: data.imageCacheRoot,
    imageDir: data.imageDir,
    maxBytes: data.imageCacheMaxBytes,
    maxFileBytes: data.bootFileMaxBytes,
    allowedNetworks: data.imageAllowedNetworks,
  });
  const images = await startImageServer({
    db,
    keys: cfg.keys,
    cache,
    host: data.imageServer.host,
    port: data.imageServer.port,
    vmediaDir: data.vmediaDir,
  });
  const connection = await NativeConnection.connect({ address: cfg.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: cfg.temporal.namespace,
    taskQueue: opts.taskQueue ?? cfg.temporal.taskQueue,
    workflowBundle: { codePath: path.join(repoRoot(), 'dist', 'workflow-bundle.js') },
    activities: createActivities({
      db,
      keys: cfg.keys,
      powerInterfaces,
      cache,
      deployments: createDeploymentStore(db, cfg.keys),
      deploy: { ...data, imageServerBase: data.imageServer.publicUrl ?? images.url },
    }),
  });
  const done = worker.run().finally(async () => {
    await images.close();
    await Promise.all(Object.values(powerInterfaces).map((p) => p.close()));
    await connection.close();
    await db.$disconnect();
  });
  return {
    worker,
    done,
    missingBootFiles,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** Starts the power-sync workflow, or hands the running one the current settings. */
export async function ensurePowerSync(client: Client, taskQueue: string, settings: PowerSyncSettings): Promise<void> {
  try {
    await client.workflow.signalWithStart('syncPowerStates', {
      workflowId: powerSyncWorkflowId(taskQueue),
      taskQueue,
      args: [settings, null],
      signal: 'configurePowerSync',
      signalArgs: [settings],
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}

async function main(): Promise<void> {
  const cfg = loadWorkerConfig();
  const log = createLogger('worker', cfg.common.logLevel);
  Runtime.install({
    logger: new DefaultLogger((cfg.common.logLevel.toUpperCase() as LogLevel) ?? 'INFO', (entry) =>
      log.info({ meta: entry.meta }, entry.message),
    ),
  });
  const running = await startWorker(cfg.common, { ipmi: cfg.ipmi, redfish: cfg.redfish, data: cfg.data });
  if (running.missingBootFiles.length) {
    log.warn({ missing: running.missingBootFiles }, 'boot files missing from the boot root (install pxelinux, syslinux-common, ipxe)');
  }
  const connection = await Connection.connect({ address: cfg.common.temporal.address });
  const client = new Client({ connection, namespace: cfg.common.temporal.namespace });
  if (cfg.powerSync) {
    await ensurePowerSync(client, cfg.common.temporal.taskQueue, cfg.powerSync);
    log.info({ settings: cfg.powerSync }, 'power sync running');
  } else {
    await client.workflow
      .getHandle(powerSyncWorkflowId(cfg.common.temporal.taskQueue))
      .terminate('power sync disabled (IRONFLOW_POWER_SYNC_INTERVAL=0)')
      .catch(() => undefined);
  }
  log.info({ temporal: cfg.common.temporal.address, taskQueue: cfg.common.temporal.taskQueue }, 'worker started');
  const stop = () => running.worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await running.done;
  await connection.close();
  log.info('worker stopped');
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
