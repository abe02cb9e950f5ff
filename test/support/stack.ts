// The whole Ironflow stack in one test process: a database, a worker on its own
// task queue (against the shared Temporal dev server) and the API on a free port.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { buildApp, type BuildAppOptions } from '#apps/api/src/app';
import type { AuthConfig } from '#apps/api/src/common/request-context';
import { ensurePowerSync, startWorker, type RunningWorker } from '#apps/worker/src/main';
import { dataPathDefaults, type DataPathConfig } from '#apps/worker/src/config';
import { powerSyncWorkflowId, siteTaskQueue, type PowerSyncSettings } from '#workflows/contracts/power';
import type { CommonConfig } from '#apps/shared/config';
import { createLogger } from '#apps/shared/logger';
import { openDatabase, type Database } from '#prisma/database';
import { createTestDatabase, type TestDatabase } from './database';
import { useTemporal, type TemporalServer } from './temporal';
import { freeTcpPort } from './procs';

let runtimeInstalled = false;

export interface TestStack {
  url: string;
  db: Database;
  database: TestDatabase;
  temporal: Client;
  cfg: CommonConfig;
  /** Everything the API and worker logged, as text. */
  logs(): string;
  /** Boot root, image cache and image dir of the stack's worker. */
  data: DataPathConfig;
  /** Starts a worker on the stack's task queue (if it was started without one). */
  startWorker(): Promise<RunningWorker>;
  /** A second worker for a site (conductor_group), with its own boot root, image cache and image server. */
  startSiteWorker(group: string): Promise<{ worker: RunningWorker; data: DataPathConfig; taskQueue: string }>;
  /** Starts (or reconfigures) the periodic power sync for this stack's task queue. */
  startPowerSync(s: Partial<PowerSyncSettings>): Promise<void>;
  worker?: RunningWorker;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Erase mode of automated cleaning (default none: most tests have no lab). */
  automatedClean?: 'metadata' | 'full' | 'none';
  /** Seconds a deploy waits for the ramdisk (default 60). */
  callbackTimeoutSec?: number;
  auth?: AuthConfig;
  /** false: start no worker (operations wait in Temporal until one starts). */
  worker?: boolean;
  maxLimit?: number;
  bodyLimitBytes?: number;
  /** More API options (image networks, callback limits, ...). */
  app?: Partial<BuildAppOptions>;
  /** A Temporal server the caller owns (and stops); default: the shared one. */
  temporal?: TemporalServer;
  /**
   * Worker data-path settings over the test defaults, given the API's port: e.g. the
   * VM lab's callback URL (`http://<lab host address>:<api port>`) and the real ramdisk.
   */
  data?: (apiPort: number) => Partial<DataPathConfig>;
  /** The worker's Redfish client settings (a short request deadline for hung-BMC tests). */
  redfish?: { requestTimeoutMs?: number; maxConcurrency?: number };
}

export async function startStack(opts: StackOptions = {}): Promise<TestStack> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const server: TemporalServer = opts.temporal ? { address: opts.temporal.address, stop: async () => undefined } : await useTemporal();
  const database = await createTestDatabase();
  const taskQueue = `test-${crypto.randomBytes(4).toString('hex')}`;
  const cfg: CommonConfig = {
    dataDir: '/nonexistent',
    databaseUrl: database.url,
    temporal: { address: server.address, namespace: 'default', taskQueue },
    keys: { primary: crypto.randomBytes(32) },
    logLevel: 'info',
  };
  let logText = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const log = createLogger('api', 'info', sink);
  const db = openDatabase(database.url);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-data-'));
  // The lab's simulated servers only read the kernel command line: any files do as kernel and ramdisk.
  fs.writeFileSync(path.join(dataDir, 'deploy.kernel'), 'test deploy kernel\n');
  fs.writeFileSync(path.join(dataDir, 'deploy.initrd'), 'test deploy ramdisk\n');
  fs.mkdirSync(path.join(dataDir, 'image-store'));
  const connection = await Connection.connect({ address: server.address });
  const temporal = new Client({ connection, namespace: 'default' });
  const app: NestExpressApplication = await buildApp({
    db,
    keys: cfg.keys,
    temporal,
    taskQueue,
    auth: opts.auth ?? { mode: 'none' },
    conductor: 'test-conductor',
    maxLimit: opts.maxLimit ?? 1000,
    bodyLimitBytes: opts.bodyLimitBytes ?? 1024 * 1024,
    log,
    automatedClean: opts.automatedClean ?? 'none',
    callbackTimeoutSec: opts.callbackTimeoutSec ?? 60,
    ...opts.app,
  });
  const port = await freeTcpPort();
  await app.listen(port, '127.0.0.1');
  const data: DataPathConfig = {
    ...dataPathDefaults(dataDir),
    bootRoot: path.join(dataDir, 'tftp'),
    deployKernel: path.join(dataDir, 'deploy.kernel'),
    deployRamdisk: path.join(dataDir, 'deploy.initrd'),
    callbackBase: `http://127.0.0.1:${port}`,
    imageServer: { host: '127.0.0.1', port: 0 },
    ...opts.data?.(port),
  };
  fs.mkdirSync(data.bootRoot, { recursive: true });
  const siteWorkers: RunningWorker[] = [];
  const stack: TestStack = {
    url: `http://127.0.0.1:${port}`,
    db,
    database,
    temporal,
    cfg,
    logs: () => logText,
    data,
    async startWorker() {
      stack.worker = await startWorker(cfg, { migrate: false, data, redfish: opts.redfish });
      return stack.worker;
    },
    async startSiteWorker(group) {
      const siteDir = fs.mkdtempSync(path.join(dataDir, `site-${group}-`));
      const siteData: DataPathConfig = {
        ...data,
        ...dataPathDefaults(siteDir),
        bootRoot: path.join(siteDir, 'tftp'),
        deployKernel: data.deployKernel,
        deployRamdisk: data.deployRamdisk,
        callbackBase: data.callbackBase,
        imageServer: { host: '127.0.0.1', port: 0 },
      };
      fs.mkdirSync(siteData.bootRoot, { recursive: true });
      const taskQueue = siteTaskQueue(cfg.temporal.taskQueue, group);
      const worker = await startWorker(cfg, { migrate: false, data: siteData, taskQueue });
      siteWorkers.push(worker);
      return { worker, data: siteData, taskQueue };
    },
    async startPowerSync(s) {
      await ensurePowerSync(temporal, taskQueue, { intervalSec: 1, failureLimit: 3, force: false, batchSize: 250, jitterMs: 0, ...s });
    },
    async stop() {
      await temporal.workflow
        .getHandle(powerSyncWorkflowId(taskQueue))
        .terminate('test over')
        .catch(() => undefined);
      await app.close();
      await stack.worker?.stop();
      for (const w of siteWorkers) await w.stop();
      await connection.close();
      await db.$disconnect();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      await server.stop();
    },
  };
  if (opts.worker !== false) await stack.startWorker();
  return stack;
}

/** fetch with Ironic's headers; returns status, headers and parsed JSON (or text). */
export async function api(
  stack: { url: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: { 'X-OpenStack-Ironic-API-Version': '1.78', 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** The faultstring inside Ironic's double-encoded error body. */
export function faultOf(body: any): string {
  return JSON.parse(body.error_message).faultstring;
}
