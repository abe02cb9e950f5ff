// The deploy ramdisk's callbacks. Authenticated by the per-deployment secret
// (constant-time), accepted only while the deployment is active; each seq is acted
// on once (a replay gets the same answer and changes nothing). Events go to the
// node's workflow as signals, without the secret.
import crypto from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { openValue } from '../../../../prisma/sealed-json';
import type { RamdiskEvent } from '../../../../workflows/contracts/deploy';
import { ramdiskEventSignal } from '../../../../workflows/contracts/deploy';
import { ApiError, BadRequestError, NotFoundError, UnauthorizedError } from '../common/errors';
import { requireObjectBody } from '../common/input';
import { Store } from '../infra/store';
import { Workflows } from '../infra/workflows';

const EVENTS = ['ready', 'disks', 'progress', 'result', 'error', 'poll'] as const;
type EventName = (typeof EVENTS)[number];

export interface CallbackAnswer {
  ack: number;
  command: string;
  args: Record<string, unknown>;
}

function sameSecret(a: string, b: string): boolean {
  return crypto.timingSafeEqual(crypto.createHash('sha256').update(a).digest(), crypto.createHash('sha256').update(b).digest());
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown, max = 4096): string | undefined {
  return typeof v === 'string' ? v.slice(0, max) : undefined;
}

/** Fields the ramdisk sends, with their types (PROTOCOL.md). A field of the wrong type is a 400, not silently dropped. */
const FIELD_RULES: Record<string, [(v: unknown) => boolean, string]> = {
  deployment: [(v) => typeof v === 'string', 'a string'],
  boot: [(v) => typeof v === 'string', 'a string'],
  address: [(v) => typeof v === 'string' && v.length <= 255, 'a string of at most 255 characters'],
  port: [(v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535, 'an integer 1-65535'],
  iqn: [(v) => typeof v === 'string' && v.length <= 255, 'a string of at most 255 characters'],
  ok: [(v) => typeof v === 'boolean', 'true or false'],
  error: [(v) => typeof v === 'string', 'a string'],
  checksum: [(v) => typeof v === 'string' && v.length <= 200, 'a string of at most 200 characters'],
  bytes_done: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  bytes_total: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  phase: [(v) => typeof v === 'string' && v.length <= 32, 'a string of at most 32 characters'],
  mode: [(v) => typeof v === 'string' && v.length <= 32, 'a string of at most 32 characters'],
  disks: [(v) => Array.isArray(v) && v.length <= 64 && v.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d)), 'an array of at most 64 objects'],
  verify: [(v) => Array.isArray(v), 'an array'],
};

function checkFields(b: Record<string, unknown>): void {
  for (const [k, [ok, what]] of Object.entries(FIELD_RULES)) {
    if (b[k] !== undefined && !ok(b[k])) throw new BadRequestError(`Callback: ${k} must be ${what}, got ${JSON.stringify(b[k])?.slice(0, 80)}.`);
  }
}

@Injectable()
export class CallbackService {
  constructor(private readonly store: Store, private readonly workflows: Workflows) {}

  async handle(id: string, secret: string | undefined, body: unknown): Promise<CallbackAnswer> {
    const b = requireObjectBody(body, 'callback');
    const seq = b.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) throw new BadRequestError('Callback: seq must be a non-negative integer.');
    if (!EVENTS.includes(b.event as EventName)) throw new BadRequestError(`Callback: event must be one of ${EVENTS.join(', ')}.`);
    checkFields(b);
    const dep = /^[0-9a-f-]{36}$/.test(id) ? await this.store.db.deployment.findUnique({ where: { id } }) : null;
    // Unknown deployment and wrong secret look alike from outside.
    if (!dep) throw new NotFoundError(`Deployment ${id} could not be found.`);
    if (!secret || !sameSecret(openValue(dep.secret, this.store.keys), secret)) throw new UnauthorizedError('Callback: wrong or missing X-Ironflow-Secret.');
    if (dep.status !== 'active' || dep.expiresAt < new Date()) throw new ApiError(410, `Deployment ${id} is over: the ramdisk should stop.`);
    const answer = (): CallbackAnswer => ({ ack: seq, command: dep.command, args: JSON.parse(dep.commandArgs) as Record<string, unknown> });
    const last = dep.lastSeq === null ? -1 : Number(dep.lastSeq);
    if (seq === last && dep.lastAnswer) return JSON.parse(dep.lastAnswer) as CallbackAnswer; // replay: same answer, no action
    if (seq < last) return answer(); // an old callback arriving late: answered, not acted on
    const event = b.event as EventName;
    if (event !== 'poll') {
      const e: RamdiskEvent = {
        deploymentId: dep.id, seq, event,
        address: str(b.address, 255), port: num(b.port), iqn: str(b.iqn, 255), ok: typeof b.ok === 'boolean' ? b.ok : undefined,
        error: str(b.error), checksum: str(b.checksum, 200), bytesDone: num(b.bytes_done), bytesTotal: num(b.bytes_total),
        phase: str(b.phase, 32), mode: str(b.mode, 32), verify: b.verify, disks: Array.isArray(b.disks) ? (b.disks.slice(0, 64) as RamdiskEvent['disks']) : undefined,
      };
      // Signal first: if we die before recording the seq, the ramdisk re-sends it and the workflow drops the duplicate.
      await this.workflows.signal(dep.workflowId, dep.runId, ramdiskEventSignal, e);
    }
    const a = answer();
    await this.store.db.deployment.update({
      where: { id: dep.id },
      data: {
        lastSeq: BigInt(seq), lastAnswer: JSON.stringify(a), callbacks: { increment: 1 },
        ...(event === 'progress' ? { progress: JSON.stringify({ bytes_done: num(b.bytes_done), bytes_total: num(b.bytes_total), phase: str(b.phase, 32), at: new Date().toISOString() }) } : {}),
      },
    });
    return a;
  }
}
