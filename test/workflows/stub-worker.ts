// A worker with recording stub activities (recording-activities.ts) on its own task
// queue against the test Temporal server, running the built workflow bundle; and a
// simulated node for it: a BMC that remembers power and boot device, and a deploy
// ramdisk that "boots" on a PXE power-on and calls back by signalling the workflow.
// Workflows run here in milliseconds; only the callback timeouts given in the input wait.
import crypto from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { repoRoot } from '#apps/shared/repo-root';
import { ramdiskEventSignal, type RamdiskEvent } from '#workflows/contracts/deploy';
import { useTemporal, type TemporalServer } from '../support/temporal';
import { checkBehaviours, recordingActivities, type Behaviours, type Call, type Scenario } from './recording-activities';

let runtimeInstalled = false;

export interface Run extends Scenario {
  /** The workflow id to start the workflow under (its scenario's key). */
  id: string;
}

export interface StubWorker {
  taskQueue: string;
  client: Client;
  /** Registers the behaviours for one workflow id (a fresh id each call). */
  scenario(b: Behaviours): Run;
  /** (Re)starts the worker; it runs until stop(). */
  start(): Promise<void>;
  /** Stops the worker (graceful): workflows wait in Temporal until start(). */
  stop(): Promise<void>;
  close(): Promise<void>;
}

export async function startStubWorker(opts: { maxCachedWorkflows?: number } = {}): Promise<StubWorker> {
  if (!runtimeInstalled) {
    // ERROR: the stubs' deliberate activity failures are not news.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
  }
  const server: TemporalServer = await useTemporal();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: 'default' });
  const native = await NativeConnection.connect({ address: server.address });
  const taskQueue = `stub-${crypto.randomBytes(4).toString('hex')}`;
  const scenarios = new Map<string, Scenario>();
  const activities = recordingActivities((id) => scenarios.get(id));
  let running: { worker: Worker; done: Promise<void> } | undefined;
  let n = 0;

  const rig: StubWorker = {
    taskQueue,
    client,
    scenario(behaviours) {
      checkBehaviours(behaviours);
      const id = `${taskQueue}-wf-${++n}`;
      const s: Run = { id, behaviours, calls: [], unstubbed: [] };
      scenarios.set(id, s);
      return s;
    },
    async start() {
      if (running) return;
      const worker = await Worker.create({
        connection: native,
        namespace: 'default',
        taskQueue,
        activities,
        workflowBundle: { codePath: path.join(repoRoot(), 'dist', 'workflow-bundle.js') },
        maxCachedWorkflows: opts.maxCachedWorkflows,
        // Heartbeats (and so cancellations) reach Temporal at once, not throttled to seconds.
        defaultHeartbeatThrottleInterval: '20 ms',
        maxHeartbeatThrottleInterval: '50 ms',
      });
      running = { worker, done: worker.run() };
    },
    async stop() {
      if (!running) return;
      const r = running;
      running = undefined;
      r.worker.shutdown();
      await r.done;
    },
    async close() {
      await rig.stop();
      await native.close();
      await connection.close();
      await server.stop();
    },
  };
  await rig.start();
  return rig;
}

/** What the simulated deploy ramdisk says; each list is sent as callbacks in order. */
export interface RamdiskScript {
  /** On its n-th PXE boot (1, 2, …). Nothing: it stays silent (a lost DHCP/TFTP exchange). */
  onBoot?: (boot: number) => Partial<RamdiskEvent>[];
  /** On a command the API hands it (`erase`, `done`). */
  onCommand?: (command: string, args?: Record<string, unknown>) => Partial<RamdiskEvent>[];
}

export interface SimulatedNode {
  /** The scenario: start the workflow under run.id; run.calls is what it called. */
  run: Run;
  /** PXE boots into the deploy ramdisk so far. */
  ramdiskBoots(): number;
  power(): 'on' | 'off';
  /** Sends ramdisk callbacks now (for the current deployment). */
  send(events: Partial<RamdiskEvent>[]): Promise<void>;
}

/**
 * A healthy node behind healthy activities: every activity a deploy, clean or power
 * operation calls does what it should, the ramdisk follows `ramdisk`. Override any
 * activity with `overrides` (e.g. one that fails).
 */
export function simulatedNode(
  rig: StubWorker,
  opts: { mode?: 'iscsi' | 'direct'; ramdisk?: RamdiskScript; softOffWorks?: boolean; overrides?: Behaviours } = {},
): SimulatedNode {
  let power: 'on' | 'off' = 'on';
  let bootDevice = 'disk';
  let deployConfig = false;
  let boots = 0;
  let seq = 0;
  let deployments = 0;
  let deploymentId = '';
  const send = async (events: Partial<RamdiskEvent>[]) => {
    for (const e of events) {
      await rig.client.workflow
        .getHandle(run.id)
        .signal(ramdiskEventSignal, { deploymentId, seq: ++seq, event: 'progress', ...e } as RamdiskEvent);
    }
  };
  const setPower = async (action: string): Promise<void> => {
    if (action === 'off') power = 'off';
    if (action === 'soft' && opts.softOffWorks) power = 'off';
    if (action !== 'on' || power === 'on') return;
    power = 'on';
    if (bootDevice === 'pxe' && deployConfig) {
      boots++;
      await send(opts.ramdisk?.onBoot?.(boots) ?? []);
    }
  };
  const behaviours: Behaviours = {
    beginOperation: async () => undefined,
    finishOperation: async () => undefined,
    recordEvent: async () => undefined,
    moveProvisionState: async () => 'moved' as const,
    setCurrentStep: async () => undefined,
    validateDeploy: async () => ({ mode: opts.mode ?? 'iscsi', deployInterface: opts.mode ?? 'iscsi' }),
    cacheImage: async () => ({ key: 'img-key', sizeBytes: 4096, format: 'raw', downloaded: true, converted: false }),
    releaseImage: async () => undefined,
    createDeployment: async () => (deploymentId = `dep-${++deployments}`),
    closeDeployment: async () => undefined,
    setRamdiskCommand: async ({ command, args }) => {
      await send(opts.ramdisk?.onCommand?.(command, args) ?? []);
    },
    waitDoneDelivered: async () => true,
    writeDeployBootConfig: async () => {
      deployConfig = true;
      return [];
    },
    writeFinalBootConfig: async () => {
      deployConfig = false;
    },
    removeBootConfigs: async () => {
      deployConfig = false;
    },
    writeImageToNode: async () => ({ bytesWritten: 4096, resumedFrom: 0, durationMs: 1 }),
    verifyNodeImage: async () => 4096,
    setBootDevice: async (_n, device) => {
      bootDevice = device;
    },
    assertBootDevice: async () => undefined,
    getBootDevice: async () => ({ bootDevice: bootDevice as 'pxe', persistent: false }),
    setPower: async (_n, action) => setPower(action),
    waitForPowerState: async (_n, want) => want === `power ${power}`,
    powerAndConfirm: async (_n, action, want) => {
      await setPower(action);
      return want === `power ${power}`;
    },
    recordPowerState: async () => undefined,
    recordPowerFailure: async () => undefined,
    explainRamdiskSilence: async () => 'Evidence: (stub). First step that never happened: a DHCP request.',
    ...opts.overrides,
  };
  const run = rig.scenario(behaviours);
  return { run, ramdiskBoots: () => boots, power: () => power, send };
}

/** Activity calls as compact lines; of the audit events (recordEvent) only the erase record is kept. */
export function lines(calls: Call[]): string[] {
  return calls
    .filter((c) => c.name !== 'recordEvent' || (c.args[0] as { eventType: string }).eventType === 'erase')
    .map((c) => {
      const a = c.args[0] as Record<string, unknown>;
      switch (c.name) {
        case 'setPower':
        case 'setBootDevice':
        case 'waitForPowerState':
        case 'recordPowerState':
          return `${c.name}(${String(c.args[1])})`;
        case 'powerAndConfirm':
          return `${c.name}(${String(c.args[1])} → ${String(c.args[2])}${c.args[4] ? ', recorded' : ''})`;
        case 'moveProvisionState':
          return `${c.name}(${String(a.to)})`;
        case 'recordEvent':
          return `${c.name}(${String(a.eventType)})`;
        case 'setCurrentStep': {
          const step = a.step as { interface: string; step: string } | null;
          return `step(${step ? `${step.interface}.${step.step}` : '-'})`;
        }
        case 'setRamdiskCommand':
          return `${c.name}(${String(a.command)})`;
        case 'finishOperation':
          return `${c.name}(${String(a.status)} → ${String(a.to)})`;
        default:
          return c.name;
      }
    });
}
