// Power and boot-device activities. Each BMC call is idempotent at the hardware level
// (power on when on is success); state changes in the database are compare-and-set.
import { Context, ApplicationFailure } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import { writeHistory } from '#prisma/node-operations';
import type { SealKeys } from '#prisma/sealed-json';
import { asActivityError, loadBmc, type Bmc } from './bmc-target';
import type { BootMode } from '#workflows/contracts/power';
import type { BootDevice, BootDeviceSetting, PowerAction, PowerInterfaces, PowerState } from './power-interface';

export interface PowerActivityDeps {
  db: Database;
  keys: SealKeys;
  /** Power/management interface name -> implementation (built by the worker). */
  powerInterfaces: PowerInterfaces;
  /** How often to read the BMC while waiting for a state (ms). */
  pollMs?: number;
}

interface Who {
  actor: string;
  requestId: string;
}

export function createPowerActivities({ db, keys, powerInterfaces, pollMs = 500 }: PowerActivityDeps) {
  async function call<T>(nodeUuid: string, fn: (b: Bmc) => Promise<T>): Promise<T> {
    const bmc = await loadBmc(db, nodeUuid, keys, powerInterfaces);
    try {
      return await fn(bmc);
    } catch (e) {
      throw asActivityError(e);
    }
  }

  /** Records a power state read back from the BMC; a history event when it changed. */
  async function recordPowerState(nodeUuid: string, state: PowerState, who: Who): Promise<void> {
    await db.$transaction(async (tx) => {
      const node = await tx.node.findUnique({ where: { uuid: nodeUuid } });
      if (!node) return;
      await tx.node.update({ where: { id: node.id }, data: { powerState: state, targetPowerState: null, updatedAt: new Date() } });
      if (node.powerState !== state) {
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid,
          eventType: 'power',
          actor: who.actor,
          requestId: who.requestId,
          event: `Power state changed from ${node.powerState ?? 'unknown'} to ${state}`,
        });
      }
    });
  }

  return {
    async getPowerState(nodeUuid: string): Promise<PowerState> {
      return call(nodeUuid, (b) => b.getPowerState());
    },

    async setPower(nodeUuid: string, action: PowerAction): Promise<void> {
      await call(nodeUuid, (b) => b.setPower(action));
    },

    /**
     * Reads the BMC until it reports `want`, heartbeating. Returns false if it did not
     * within timeoutMs (the caller decides: a soft power off then falls back to hard off).
     */
    async waitForPowerState(nodeUuid: string, want: PowerState, timeoutMs: number): Promise<boolean> {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const now = await call(nodeUuid, (b) => b.getPowerState());
        Context.current().heartbeat({ now });
        if (now === want) return true;
        if (performance.now() >= deadline) return false;
        await Context.current().sleep(pollMs);
      }
    },

    /**
     * One power action in one activity: asks the BMC for `action`, then reads it until it
     * reports `want` (the first read at once, then at 25, 50, 100 ... ms up to pollMs),
     * heartbeating each read. With `recordAs`, the state read back is recorded on the node
     * here too (recordPowerState): the client sees the action done without another round
     * trip through Temporal. Returns false if the BMC did not report `want` within timeoutMs
     * (the caller decides: a soft power off then falls back to hard off).
     *
     * Safe to run again after a crash: the action is asked again (power on when on changes
     * nothing), the deadline is the first attempt's (kept in the heartbeat), and recording
     * a state already recorded writes no history.
     */
    async powerAndConfirm(nodeUuid: string, action: PowerAction, want: PowerState, timeoutMs: number, recordAs?: Who): Promise<boolean> {
      const ctx = Context.current();
      const earlier = ctx.info.heartbeatDetails as { deadline?: number } | undefined;
      const deadline = earlier?.deadline ?? Date.now() + timeoutMs;
      // A BMC call retries its datagrams for up to 15 s (a lossy link): the beat says this worker
      // lives while one is in flight; a dead worker stops it, and Temporal retries elsewhere.
      ctx.heartbeat({ deadline });
      const beat = setInterval(() => ctx.heartbeat({ deadline }), 5000);
      try {
        const bmc = await loadBmc(db, nodeUuid, keys, powerInterfaces);
        await bmc.setPower(action);
        for (let wait = Math.min(25, pollMs); ; wait = Math.min(wait * 2, pollMs)) {
          const now = await bmc.getPowerState();
          ctx.heartbeat({ now, deadline });
          if (now === want) break;
          if (Date.now() >= deadline) return false;
          await ctx.sleep(wait);
        }
      } catch (e) {
        throw asActivityError(e);
      } finally {
        clearInterval(beat);
      }
      if (recordAs) await recordPowerState(nodeUuid, want, recordAs);
      return true;
    },

    /**
     * With a boot mode, the request carries the EFI flag for uefi, and the node's boot_mode
     * becomes that mode (Ironic reports the mode the node is booted in). Without one (runs
     * started before boot modes): a plain BIOS request, boot_mode left as it was.
     */
    async setBootDevice(nodeUuid: string, device: BootDevice, persistent: boolean, bootMode?: BootMode): Promise<void> {
      await call(nodeUuid, (b) => b.setBootDevice(device, persistent, bootMode === 'uefi'));
      if (bootMode) await db.node.updateMany({ where: { uuid: nodeUuid }, data: { bootMode } });
    },

    async injectNmi(nodeUuid: string): Promise<void> {
      await call(nodeUuid, (b) => b.injectNmi());
    },

    async getBootDevice(nodeUuid: string): Promise<BootDeviceSetting> {
      return call(nodeUuid, (b) => b.getBootDevice());
    },

    /** Records a power state read back from the BMC; a history event when it changed. */
    recordPowerState,

    /** A failed power action: last_error set, the target cleared. */
    async recordPowerFailure(nodeUuid: string, message: string, who: Who): Promise<void> {
      await db.$transaction(async (tx) => {
        const node = await tx.node.findUnique({ where: { uuid: nodeUuid } });
        if (!node) return;
        await tx.node.update({ where: { id: node.id }, data: { targetPowerState: null, lastError: message, updatedAt: new Date() } });
        await writeHistory(tx, {
          nodeId: node.id,
          nodeUuid,
          eventType: 'power',
          actor: who.actor,
          requestId: who.requestId,
          severity: 'ERROR',
          event: message,
        });
      });
    },

    /** Fails the workflow step loudly when the BMC disagrees with what was asked. */
    async assertBootDevice(nodeUuid: string, device: BootDevice): Promise<void> {
      const got = await call(nodeUuid, (b) => b.getBootDevice());
      if (got.bootDevice !== device) {
        throw ApplicationFailure.nonRetryable(
          `The BMC of node ${nodeUuid} reports boot device ${got.bootDevice ?? 'none'} after we set ${device}.`,
          'BootDeviceMismatch',
        );
      }
    },
  };
}
