// What deploy and clean share: booting a node into the deploy ramdisk, collecting
// its callbacks (signals, deduplicated by seq), aborts, and the undo list.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '#activities';
import type { DeployMode } from './contracts/deploy';
import { BOOT_MODE_PATCH, type BootDevice } from './contracts/power';
import { presets } from './activity-options';
import { abortSignal, progressQuery, ramdiskEventSignal, type DeployInput, type RamdiskEvent, type TimelineView } from './contracts/deploy';
import { Timeline } from './timeline';

export const ramdiskEvent = defineSignal<[RamdiskEvent]>(ramdiskEventSignal);
export const abortOperation = defineSignal<[{ actor: string; requestId: string }]>(abortSignal);
export const operationProgress = defineQuery<TimelineView>(progressQuery);

/** A callback timer that fires this much after its deadline fired while Temporal or every worker was down. */
const LATE_TIMER_MS = 15_000;
/**
 * How long to keep listening after such a late timer before power-cycling: the ramdisk was
 * answered 503 meanwhile and retries with backoff (at most 30 s, plus its 30 s HTTP timeout).
 */
const OUTAGE_GRACE_MS = 120_000;

export const db = proxyActivities<Activities>(presets.db);
/** The same database activities run locally by the workflow's worker (no server round trip per write). */
export const localDb = proxyLocalActivities<Activities>(presets.dbLocal);
export type Bookkeeping = typeof db;

/** patched() id: the deploy ramdisk boots from the deploy ISO in the BMC's virtual CD (boot interface redfish-virtual-media). */
export const VIRTUAL_MEDIA_PATCH = 'virtual-media-boot';

export function errorText(err: unknown): string {
  let e = err as Error & { cause?: unknown };
  while (e?.cause instanceof Error) e = e.cause as Error & { cause?: unknown };
  return e?.message ?? String(err);
}

export class RamdiskSession {
  readonly timeline: Timeline;
  readonly hw: ReturnType<typeof proxyActivities<Activities>>;
  readonly hwWait: ReturnType<typeof proxyActivities<Activities>>;
  readonly data: ReturnType<typeof proxyActivities<Activities>>;
  /** Database bookkeeping (history rows, power state, deployment records): `db` or `localDb`. */
  readonly db: Bookkeeping;
  private readonly events: RamdiskEvent[] = [];
  /** Index of the first event waitFor has not looked at yet. */
  private consumed = 0;
  private readonly seen = new Set<number>();
  private readonly undo: { name: string; fn: () => Promise<unknown> }[] = [];
  aborted?: { actor: string; requestId: string };
  deploymentId?: string;
  /** The node's boot interface boots the ramdisk from virtual media (the deploy ISO in the BMC's CD), not PXE. */
  virtualMedia = false;
  /** Workflow time of the last ramdisk boot's power on, and of the BMC confirming it (evidence when the ramdisk stays silent). */
  private bootStartedMs?: number;
  private poweredOnAt?: string;

  constructor(
    readonly input: DeployInput,
    kind: string,
    bookkeeping: Bookkeeping = db,
  ) {
    this.db = bookkeeping;
    this.timeline = new Timeline(kind, (event, severity) =>
      this.db.recordEvent({ nodeUuid: input.nodeUuid, eventType: kind, event, severity, actor: input.actor, requestId: input.requestId }),
    );
    const q = { taskQueue: input.hardwareQueue };
    this.hw = proxyActivities<Activities>({ ...presets.bmcCall, ...q });
    this.hwWait = proxyActivities<Activities>({ ...presets.bmcWait, ...q });
    this.data = proxyActivities<Activities>({ ...presets.imageTransfer, ...q });
    setHandler(operationProgress, () => this.timeline.view());
    setHandler(ramdiskEvent, (e) => {
      if (e.deploymentId !== this.deploymentId || this.seen.has(e.seq)) return; // replay or stale
      this.seen.add(e.seq);
      if (e.event === 'progress') {
        this.timeline.bytesDone = e.bytesDone;
        this.timeline.bytesTotal = e.bytesTotal;
      }
      this.events.push(e);
    });
    setHandler(abortOperation, (who) => {
      this.aborted = who;
    });
  }

  onUndo(name: string, fn: () => Promise<unknown>): void {
    this.undo.push({ name, fn });
  }

  /** Runs the undo list newest first; each step is best effort. */
  async compensate(): Promise<string[]> {
    const failed: string[] = [];
    for (const u of this.undo.reverse()) {
      try {
        await u.fn();
      } catch (e) {
        failed.push(`${u.name}: ${errorText(e)}`);
      }
    }
    this.undo.length = 0;
    return failed;
  }

  async powerOff(): Promise<void> {
    const n = this.input.nodeUuid;
    await this.hw.setPower(n, 'off');
    if (!(await this.hwWait.waitForPowerState(n, 'power off', 60_000))) {
      throw ApplicationFailure.nonRetryable(`The BMC of node ${n} did not report power off within 60 s.`, 'PowerStateTimeout');
    }
    // The node's power_state follows what the BMC read back (a history event when it changed).
    await this.db.recordPowerState(n, 'power off', { actor: this.input.actor, requestId: this.input.requestId });
  }

  async powerOn(): Promise<void> {
    const n = this.input.nodeUuid;
    await this.hw.setPower(n, 'on');
    if (!(await this.hwWait.waitForPowerState(n, 'power on', 60_000))) {
      throw ApplicationFailure.nonRetryable(`The BMC of node ${n} did not report power on within 60 s.`, 'PowerStateTimeout');
    }
    await this.db.recordPowerState(n, 'power on', { actor: this.input.actor, requestId: this.input.requestId });
    this.poweredOnAt = new Date().toISOString();
  }

  /**
   * Sets the node's next boot device in its boot mode (the EFI flag for uefi). Runs started
   * before boot modes have no marker in their history and send what they sent: no mode (BIOS).
   */
  async setBootDevice(device: BootDevice, persistent: boolean): Promise<void> {
    const n = this.input.nodeUuid;
    const mode = patched(BOOT_MODE_PATCH) ? this.input.bootMode : undefined;
    await (mode ? this.hw.setBootDevice(n, device, persistent, mode) : this.hw.setBootDevice(n, device, persistent));
  }

  /**
   * A deployment record, its PXE config, then power off → boot device pxe → power on. With
   * virtual media: the deploy ISO in the BMC's CD, then power off → boot once from cdrom → power on.
   */
  async bootRamdisk(mode: DeployMode, imageKey?: string): Promise<string> {
    const n = this.input.nodeUuid;
    const dep = await this.db.createDeployment({ nodeUuid: n, mode, imageKey });
    this.deploymentId = dep;
    this.onUndo('close the deployment', () => this.db.closeDeployment(dep));
    // Only virtual-media nodes take this branch (no history before it has one): the marker makes that explicit.
    if (this.virtualMedia && patched(VIRTUAL_MEDIA_PATCH)) {
      await this.timeline.step('insert the deploy ISO', () => this.hw.insertDeployIso({ nodeUuid: n, deploymentId: dep, mode }));
      this.onUndo('remove the deploy ISO', () => this.hw.removeBootConfigs(n));
      this.onUndo('eject the deploy ISO', () => this.hw.ejectVirtualMedia(n));
      this.onUndo('power off', () => this.powerOff());
      await this.timeline.step('boot the deploy ramdisk from virtual media', async () => {
        await this.powerOff();
        await this.setBootDevice('cdrom', false);
        this.bootStartedMs = Date.now();
        await this.powerOn();
      });
      return dep;
    }
    await this.timeline.step('write the deploy boot config', () => this.hw.writeDeployBootConfig({ nodeUuid: n, deploymentId: dep, mode }));
    this.onUndo('remove boot configs', () => this.hw.removeBootConfigs(n));
    this.onUndo('power off', () => this.powerOff());
    await this.timeline.step('boot the deploy ramdisk', async () => {
      await this.powerOff();
      await this.setBootDevice('pxe', false);
      this.bootStartedMs = Date.now();
      await this.powerOn();
    });
    return dep;
  }

  /**
   * Waits for one of `wanted` from the ramdisk. Events are consumed in order through a
   * cursor, so a callback that arrived before we started waiting (a fast boot while the
   * power-on step still ran) is not lost. Progress resets the clock. An `error` event,
   * an abort or silence for the callback timeout fail the step; with `pxeRetry`, the
   * first silence power-cycles the node once more (a lost DHCP/TFTP exchange).
   */
  async waitFor(wanted: RamdiskEvent['event'][], pxeRetry: boolean): Promise<RamdiskEvent> {
    let retried = !pxeRetry;
    for (;;) {
      const timeoutMs = this.input.callbackTimeoutSec * 1000;
      const since = Date.now(); // workflow time: deterministic on replay
      let heard = await condition(() => this.aborted !== undefined || this.events.length > this.consumed, timeoutMs);
      // A timer that fired long after its deadline means nothing ran in between (a Temporal
      // outage): the ramdisk's callbacks were refused with 503, not missing. Give its retries a
      // chance before power-cycling a node that is up and waiting.
      if (
        !heard &&
        Date.now() - since - timeoutMs > (this.input.lateTimer?.lateMs ?? LATE_TIMER_MS) &&
        patched('grace-after-late-callback-timer')
      ) {
        heard = await condition(
          () => this.aborted !== undefined || this.events.length > this.consumed,
          this.input.lateTimer?.graceMs ?? OUTAGE_GRACE_MS,
        );
      }
      if (this.aborted)
        throw ApplicationFailure.nonRetryable(`Aborted by ${this.aborted.actor} (request ${this.aborted.requestId}).`, 'Aborted');
      while (this.consumed < this.events.length) {
        const e = this.events[this.consumed++];
        if (e.event === 'error')
          throw ApplicationFailure.nonRetryable(`The deploy ramdisk reported an error: ${e.error ?? 'unknown'}`, 'RamdiskError');
        if (wanted.includes(e.event)) return e;
      }
      if (heard) continue; // progress only: keep waiting, the clock starts again
      if (!retried) {
        retried = true;
        await this.timeline.step('no callback: PXE boot again', async () => {
          await this.powerOff();
          await this.powerOn();
        });
        continue;
      }
      const why = patched('callback-timeout-evidence') ? await this.silenceEvidence() : '';
      throw ApplicationFailure.nonRetryable(
        `Timeout reached while waiting for the deploy ramdisk of node ${this.input.nodeUuid} to call back (${this.input.callbackTimeoutSec} s).${why ? ` ${why}` : ''}`,
        'CallbackTimeout',
      );
    }
  }

  /** Which boot step never happened (BMC, DHCP, TFTP, callbacks), from what the site logged; '' if that cannot be told. */
  private async silenceEvidence(): Promise<string> {
    if (!this.deploymentId) return '';
    try {
      return await this.hw.explainRamdiskSilence({
        nodeUuid: this.input.nodeUuid,
        deploymentId: this.deploymentId,
        poweredOnAt: this.poweredOnAt ?? null,
        sinceMs: this.bootStartedMs ?? Date.now() - this.input.callbackTimeoutSec * 1000,
      });
    } catch (e) {
      return `(The boot evidence could not be read: ${errorText(e)}.)`;
    }
  }

  /**
   * Runs fn (activities that work on the node while its ramdisk only polls, e.g. the
   * iSCSI write) and stops waiting for them as soon as the ramdisk reports `error`
   * (e.g. it could not keep its iSCSI target up): fn is cancelled rather than left to
   * retry against a node that gave up, and the ramdisk's own words become the failure.
   */
  async unlessRamdiskFails<T>(fn: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    const work = scope.run(fn);
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    const reported = () => this.events.slice(this.consumed).find((e) => e.event === 'error');
    await condition(() => settled || reported() !== undefined);
    const e = reported();
    if (!settled && e) {
      scope.cancel();
      throw ApplicationFailure.nonRetryable(`The deploy ramdisk reported an error: ${e.error ?? 'unknown'}`, 'RamdiskError');
    }
    return work;
  }

  /** Tells the ramdisk `done`, waits briefly until it has fetched it, closes the deployment. */
  async sayDone(): Promise<void> {
    const dep = this.deploymentId!;
    await this.db.setRamdiskCommand({ deploymentId: dep, command: 'done' });
    await this.timeline.step('tell the ramdisk done', () => db.waitDoneDelivered({ deploymentId: dep, timeoutMs: 15_000 }));
  }
}
