// The body of a deploy ramdisk's callback (ramdisk/PROTOCOL.md), read into a
// typed request before anything is looked up. A field of the wrong type is a
// 400, not silently dropped.
import type { RamdiskEvent } from '#workflows/contracts/deploy';
import { BadRequestError } from '../common/errors';
import { requireObjectBody } from '../common/input';
import { asInventory, inventoryProblem } from './inventory-shape';

/** `credentials` (rescue mode) asks for the rescue password's hash; `rescue` reports the login is up. */
export const CALLBACK_EVENTS = ['ready', 'disks', 'progress', 'result', 'error', 'poll', 'inventory', 'credentials', 'rescue'] as const;
export type CallbackEvent = (typeof CALLBACK_EVENTS)[number];

/** What the ramdisk reported, as the workflow's RamdiskEvent carries it. */
export type CallbackReport = Omit<RamdiskEvent, 'deploymentId' | 'seq' | 'event'>;

export interface CallbackRequest {
  seq: number;
  event: CallbackEvent;
  report: CallbackReport;
  /** `poll` only: how long the ramdisk lets us hold the answer until its command changes (0: answer now). */
  holdMs: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function str(v: unknown, max = 4096): string | undefined {
  return typeof v === 'string' ? v.slice(0, max) : undefined;
}

/** Fields the ramdisk sends, with their types (PROTOCOL.md). */
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
  disks: [
    (v) => Array.isArray(v) && v.length <= 64 && v.every((d) => d !== null && typeof d === 'object' && !Array.isArray(d)),
    'an array of at most 64 objects',
  ],
  verify: [(v) => Array.isArray(v), 'an array'],
  hold_ms: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
};

export function parseCallback(body: unknown): CallbackRequest {
  const b = requireObjectBody(body, 'callback');
  const seq = b.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
    throw new BadRequestError('Callback: seq must be a non-negative integer.');
  if (!CALLBACK_EVENTS.includes(b.event as CallbackEvent))
    throw new BadRequestError(`Callback: event must be one of ${CALLBACK_EVENTS.join(', ')}.`);
  for (const [k, [ok, what]] of Object.entries(FIELD_RULES)) {
    if (b[k] !== undefined && !ok(b[k]))
      throw new BadRequestError(`Callback: ${k} must be ${what}, got ${JSON.stringify(b[k])?.slice(0, 80)}.`);
  }
  if (b.inventory !== undefined || b.event === 'inventory') {
    const problem = inventoryProblem(b.inventory);
    if (problem) throw new BadRequestError(`Callback: ${problem}.`);
  }
  return {
    seq,
    event: b.event as CallbackEvent,
    holdMs: b.event === 'poll' && typeof b.hold_ms === 'number' ? b.hold_ms : 0,
    report: {
      address: str(b.address, 255),
      port: num(b.port),
      iqn: str(b.iqn, 255),
      ok: typeof b.ok === 'boolean' ? b.ok : undefined,
      error: str(b.error),
      checksum: str(b.checksum, 200),
      bytesDone: num(b.bytes_done),
      bytesTotal: num(b.bytes_total),
      phase: str(b.phase, 32),
      mode: str(b.mode, 32),
      verify: b.verify,
      disks: Array.isArray(b.disks) ? (b.disks.slice(0, 64) as RamdiskEvent['disks']) : undefined,
      inventory: b.inventory === undefined ? undefined : asInventory(b.inventory),
    },
  };
}
