// What the fault tests share: the worker as its own process (so it can be killed
// with SIGKILL), a lab node enrolled and made available, waits on a deploy's step
// through GET /v1/nodes/{id}/operation, a gate in front of the ramdisk callbacks,
// and readers for the disk and the deploy's Temporal history.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { repoRoot } from '#apps/shared/repo-root';
import { api, type TestStack } from '../support/stack';
import { startProcess, waitFor, type Proc } from '../support/procs';
import type { LabNode } from '../lab/lab';

export const MiB = 1024 * 1024;

/** Ramdisk settings that keep lab deploys quick: fast polls, short callback backoff. */
export const fastRamdisk = { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' };

export interface WorkerProcessOptions {
  logFile: string;
  /** Where the ramdisk calls back (default: the stack's API). */
  callbackBase?: string;
  /** Default warn. */
  logLevel?: string;
  /** Seconds between power-sync passes; default 0 (off). */
  powerSyncIntervalSec?: number;
}

/** Starts dist/apps/worker/src/main.js on the stack's task queue, database, keys and data paths. */
export function startWorkerProcess(stack: TestStack, opts: WorkerProcessOptions): Proc {
  const d = stack.data;
  return startProcess(process.execPath, [path.join(repoRoot(), 'dist', 'apps', 'worker', 'src', 'main.js')], {
    logFile: opts.logFile,
    env: {
      ...process.env,
      DATABASE_URL: stack.database.url,
      TEMPORAL_ADDRESS: stack.cfg.temporal.address,
      IRONFLOW_TASK_QUEUE: stack.cfg.temporal.taskQueue,
      IRONFLOW_SECRET_KEY: stack.cfg.keys.primary.toString('hex'),
      IRONFLOW_DATA_DIR: path.dirname(opts.logFile),
      IRONFLOW_POWER_SYNC_INTERVAL: String(opts.powerSyncIntervalSec ?? 0),
      IRONFLOW_BOOT_ROOT: d.bootRoot,
      IRONFLOW_IMAGE_CACHE: d.imageCacheRoot,
      IRONFLOW_IMAGE_DIR: d.imageDir,
      IRONFLOW_DEPLOY_KERNEL: d.deployKernel,
      IRONFLOW_DEPLOY_RAMDISK: d.deployRamdisk,
      IRONFLOW_CALLBACK_URL: opts.callbackBase ?? d.callbackBase,
      IRONFLOW_IMAGE_SERVER_PORT: '0',
      IRONFLOW_DHCP_HOSTS_DIR: d.dhcpHostsDir,
      IRONFLOW_LOG_LEVEL: opts.logLevel ?? 'warn',
      ...(d.ramdiskAppend ? { IRONFLOW_RAMDISK_APPEND: d.ramdiskAppend } : {}),
      ...(d.httpBootUrl ? { IRONFLOW_HTTP_BOOT_URL: d.httpBootUrl } : {}),
    },
  });
}

/** kill -9: no shutdown hook runs, in-flight activities are simply lost. */
export async function killHard(p: Proc): Promise<void> {
  try {
    process.kill(p.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  await p.stop();
}

/** Enrolls a lab node (BMC address overridable, e.g. a relay), adds its port, manage → provide → available. */
export async function enrollAvailable(
  stack: TestStack,
  node: LabNode,
  instanceInfo: Record<string, unknown>,
  bmc: { address: string; port: number } = node.bmc,
): Promise<string> {
  const r = await api(stack, 'POST', '/v1/nodes', {
    driver: 'ipmi',
    automated_clean: false,
    driver_info: { ipmi_address: bmc.address, ipmi_port: bmc.port, ipmi_username: node.bmc.username, ipmi_password: node.bmc.password },
    instance_info: instanceInfo,
  });
  if (r.status !== 201) throw new Error(`enroll: HTTP ${r.status} ${r.text}`);
  const id = r.body.uuid as string;
  await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: id });
  for (const [target, want] of [
    ['manage', 'manageable'],
    ['provide', 'available'],
  ]) {
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
    await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state === want, 60_000, `${id} ${want}`);
  }
  return id;
}

export async function startDeploy(stack: TestStack, id: string): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
  if (r.status !== 202) throw new Error(`deploy: HTTP ${r.status} ${r.text}`);
}

/** The body of GET /v1/nodes/{id}/operation. */
export interface OperationView {
  kind: string;
  status: string;
  current_step: string | null;
  steps: { name: string; status: string }[];
  bytes_done: number | null;
}

/** Polls the node's operation until `pred` holds; returns that view. */
export function waitForOperation(
  stack: TestStack,
  id: string,
  pred: (op: OperationView) => boolean,
  what: string,
  timeoutMs = 180_000,
): Promise<OperationView> {
  return waitFor(
    async () => {
      const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body as OperationView;
      return op?.current_step !== undefined && pred(op) ? op : undefined;
    },
    timeoutMs,
    what,
  );
}

/** Waits until `step` is the deploy's running step. */
export function waitForStep(stack: TestStack, id: string, step: string, timeoutMs = 180_000): Promise<OperationView> {
  return waitForOperation(stack, id, (op) => op.current_step === step, `step "${step}"`, timeoutMs);
}

/** Waits for `active`; a `deploy failed` on the way fails at once with its last_error. */
export function waitActive(stack: TestStack, id: string, timeoutMs = 300_000): Promise<Record<string, any>> {
  return waitFor(
    async () => {
      const b = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
      if (b.provision_state === 'deploy failed') throw new Error(`deploy failed: ${b.last_error}`);
      return b.provision_state === 'active' ? b : undefined;
    },
    timeoutMs,
    `${id} active`,
  );
}

/** The first `bytes` of a lab node's disk. */
export function readDisk(node: LabNode, bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  const fd = fs.openSync(node.diskPath, 'r');
  try {
    fs.readSync(fd, b, 0, bytes, 0);
  } finally {
    fs.closeSync(fd);
  }
  return b;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
type Payloads = NonNullable<HistoryEvent['activityTaskScheduledEventAttributes']>['input'];

/** The events of the node's (only) deploy workflow run. */
export async function deployHistory(stack: TestStack, id: string): Promise<HistoryEvent[]> {
  const op = await stack.db.operation.findFirstOrThrow({ where: { nodeUuid: id, kind: 'deploy' } });
  const hist = await stack.temporal.workflow.getHandle(op.workflowId, op.runId).fetchHistory();
  return hist.events ?? [];
}

function decode(p: Payloads): unknown[] {
  return (p?.payloads ?? []).map((x) => (x.data?.length ? JSON.parse(Buffer.from(x.data).toString('utf8')) : undefined));
}

/** One scheduled activity: its arguments, the attempt that ended it, its result. */
export interface ActivityRun {
  type: string;
  args: unknown[];
  /** Attempt number of the last attempt that started (1 = no retry). */
  attempts: number;
  completed: boolean;
  result?: unknown;
}

/** Every activity the workflow scheduled, in order (with `type` only those). */
export function activityRuns(events: HistoryEvent[], type?: string): ActivityRun[] {
  const runs = new Map<string, ActivityRun>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s && (!type || s.activityType?.name === type)) {
      runs.set(String(e.eventId), { type: s.activityType?.name ?? '', args: decode(s.input), attempts: 0, completed: false });
    }
    const st = e.activityTaskStartedEventAttributes;
    const r = st && runs.get(String(st.scheduledEventId));
    if (r) r.attempts = st.attempt ?? 1;
    const c = e.activityTaskCompletedEventAttributes;
    const rc = c && runs.get(String(c.scheduledEventId));
    if (rc) {
      rc.completed = true;
      rc.result = decode(c.result)[0];
    }
  }
  return [...runs.values()];
}

/** A ramdisk callback that reached the gate, and what the gate answered. */
export interface GatedCallback {
  event: string;
  /** The status the ramdisk got. */
  status: number;
  /** It reached the API (false: the closed gate answered 503 itself). */
  forwarded: boolean;
}

/**
 * An HTTP gate between the ramdisk and the API's callback endpoint. Open, it
 * forwards each request; closed, it answers 503 (the ramdisk retries with backoff),
 * so a test can hold the deploy exactly before a callback reaches Ironflow.
 */
export interface CallbackGate {
  url: string;
  open: boolean;
  /** Every callback seen, oldest first. */
  seen: GatedCallback[];
  stop(): Promise<void>;
}

export async function startCallbackGate(target: string): Promise<CallbackGate> {
  const gate: CallbackGate = { url: '', open: true, seen: [], stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let event = '?';
      try {
        event = String((JSON.parse(body.toString('utf8')) as { event?: unknown }).event);
      } catch {
        /* not JSON: forwarded as it is */
      }
      const answer = (status: number, text: string, forwarded: boolean, type = 'application/json') => {
        gate.seen.push({ event, status, forwarded });
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
      };
      if (!gate.open) {
        answer(503, JSON.stringify({ error: 'callback gate closed by the test' }), false);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body })
        .then(async (up) => answer(up.status, await up.text(), true, up.headers.get('content-type') ?? 'application/json'))
        .catch((e: Error) => answer(502, JSON.stringify({ error: e.message }), false));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  gate.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gate.stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return gate;
}

/** Boots a lab node recorded, split by kind: ramdisk PXE boots and boots from disk. */
export function bootCounts(node: LabNode): { ramdisk: number; disk: number; other: number } {
  const h = node.bootHistory();
  const ramdisk = h.filter((b) => b.source === 'pxe' && b.ramdisk === true).length;
  const disk = h.filter((b) => b.source === 'disk').length;
  return { ramdisk, disk, other: h.length - ramdisk - disk };
}
