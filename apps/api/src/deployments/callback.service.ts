// The deploy ramdisk's callbacks. Authenticated by the per-deployment secret
// (constant-time), accepted only while the deployment is active; each seq is acted
// on once (a replay gets the same answer and changes nothing). Events go to the
// node's workflow as signals, without the secret.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { openValue } from '#prisma/sealed-json';
import type { RamdiskEvent } from '#workflows/contracts/deploy';
import type { Inventory } from '#workflows/contracts/inventory';
import { ramdiskEventSignal } from '#workflows/contracts/deploy';
import { ApiError, BadRequestError, NotFoundError, UnauthorizedError } from '../common/errors';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';
import type { CallbackRequest } from './callback-request';
import { CommandWatch } from './command-watch';

export interface CallbackAnswer {
  ack: number;
  command: string;
  args: Record<string, unknown>;
  /** To a ramdisk that long-polls (it sent `hold_ms`): poll again after this long (0: at once; we hold the poll). */
  next_poll_ms?: number;
}

function sameSecret(a: string, b: string): boolean {
  return crypto.timingSafeEqual(crypto.createHash('sha256').update(a).digest(), crypto.createHash('sha256').update(b).digest());
}

@Injectable()
export class CallbackService {
  constructor(
    private readonly store: Store,
    private readonly workflows: Workflows,
    private readonly watch: CommandWatch,
  ) {}

  /** One row per deployment (a re-sent inventory with a new seq replaces it); its id. */
  private async storeInventory(deploymentId: string, nodeUuid: string, inventory: Inventory): Promise<string> {
    const node = await this.store.db.node.findUnique({ where: { uuid: nodeUuid }, select: { id: true } });
    if (!node) throw new ApiError(410, `Node ${nodeUuid} of deployment ${deploymentId} is gone: the ramdisk should stop.`);
    const row = await this.store.db.nodeInventory.upsert({
      where: { deploymentId },
      create: { id: crypto.randomUUID(), nodeId: node.id, deploymentId, inventory: JSON.stringify(inventory) },
      update: { inventory: JSON.stringify(inventory) },
    });
    return row.id;
  }

  /**
   * A rescue ramdisk asks for the rescue password's SHA-512 crypt hash (sealed in instance_info by the API).
   * Only deployments in rescue mode get it; it is neither signalled nor kept in the deployment's answers,
   * so a repeat asks again and gets it again.
   */
  private async credentials(dep: { id: string; mode: string; nodeUuid: string }, seq: number): Promise<CallbackAnswer> {
    if (dep.mode !== 'rescue')
      throw new BadRequestError(`Callback: credentials are only given to a rescue ramdisk, not in ${dep.mode} mode.`);
    const node = await this.store.db.node.findUnique({ where: { uuid: dep.nodeUuid }, select: { instanceInfo: true } });
    const info = node ? this.store.open(JSON.parse(node.instanceInfo) as Record<string, unknown>) : {};
    const hash = info.hashed_rescue_password;
    if (typeof hash !== 'string') throw new ApiError(410, `Node ${dep.nodeUuid} has no rescue password any more: the ramdisk should stop.`);
    return { ack: seq, command: 'wait', args: { password_hash: hash } };
  }

  /** The deployment, authenticated and still active. */
  private async activeDeployment(id: string, secret: string | undefined) {
    const dep = /^[0-9a-f-]{36}$/.test(id) ? await this.store.db.deployment.findUnique({ where: { id } }) : null;
    // Unknown deployment and wrong secret look alike from outside.
    if (!dep) throw new NotFoundError(`Deployment ${id} could not be found.`);
    if (!secret || !sameSecret(openValue(dep.secret, this.store.keys), secret))
      throw new UnauthorizedError('Callback: wrong or missing X-Ironflow-Secret.');
    if (dep.status !== 'active' || dep.expiresAt < new Date())
      throw new ApiError(410, `Deployment ${id} is over: the ramdisk should stop.`);
    return dep;
  }

  async handle(id: string, secret: string | undefined, req: CallbackRequest): Promise<CallbackAnswer> {
    const { seq, event, report, holdMs } = req;
    let dep = await this.activeDeployment(id, secret);
    if (event === 'credentials') return this.credentials(dep, seq);
    const lastSeq = (d: typeof dep) => (d.lastSeq === null ? -1 : Number(d.lastSeq));
    // Long-poll: a new `poll` with nothing to do waits here for the workflow's next command. The command
    // is in the database, so an API killed while holding loses nothing: the ramdisk re-sends the poll.
    if (event === 'poll' && holdMs > 0 && seq > lastSeq(dep) && dep.command === 'wait') {
      await this.watch.until(dep.id, holdMs);
      dep = await this.activeDeployment(id, secret);
    }
    const d = dep;
    const last = lastSeq(d);
    if (seq === last && d.lastAnswer) return JSON.parse(d.lastAnswer) as CallbackAnswer; // replay: same answer, no action
    const answer = (): CallbackAnswer => ({
      ack: seq,
      command: d.command,
      args: JSON.parse(d.commandArgs) as Record<string, unknown>,
      ...(holdMs > 0 ? { next_poll_ms: 0 } : {}),
    });
    if (seq < last) return answer(); // an old callback arriving late: answered, not acted on
    if (event !== 'poll') {
      const { inventory, ...rest } = report;
      const e: RamdiskEvent = { deploymentId: dep.id, seq, event, ...rest };
      // The inventory stays in the database (up to 64 KiB): the workflow gets its id, never the document.
      if (inventory) e.inventoryId = await this.storeInventory(dep.id, dep.nodeUuid, inventory);
      // Signal first: if we die before recording the seq, the ramdisk re-sends it and the workflow drops the duplicate.
      await this.workflows.signal(dep.workflowId, dep.runId, ramdiskEventSignal, e);
    }
    const a = answer();
    await this.store.db.deployment.update({
      where: { id: dep.id },
      data: {
        lastSeq: BigInt(seq),
        lastAnswer: JSON.stringify(a),
        callbacks: { increment: 1 },
        ...(event === 'progress'
          ? {
              progress: JSON.stringify({
                bytes_done: report.bytesDone,
                bytes_total: report.bytesTotal,
                phase: report.phase,
                at: new Date().toISOString(),
              }),
            }
          : {}),
      },
    });
    return a;
  }
}
