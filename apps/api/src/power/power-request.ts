// The bodies of PUT /v1/nodes/{ident}/states/power and
// PUT /v1/nodes/{ident}/management/boot_device, read into typed requests.
// Each is read in two steps, in the order the API has always answered: its shape
// before the node is looked up, its values after (a bad power target's message
// names the node's power state).
import { BOOT_DEVICES, isPowerTarget, type BootDeviceName, type PowerTarget } from '#workflows/contracts/power';
import { BadRequestError } from '../common/errors';
import { readBool, readPositiveInt, rejectUnknownKeys, requireObjectBody, type Json } from '../common/input';

const DEFAULT_SOFT_TIMEOUT_SEC = 120;

/** A body of the right shape, its values not yet read. */
export type RequestBody = Json;

export function readPowerBody(body: unknown): RequestBody {
  const req = requireObjectBody(body, 'power request');
  rejectUnknownKeys(req, ['target', 'timeout'], 'power request');
  return req;
}

export interface PowerRequest {
  target: PowerTarget;
  /** For soft actions: how long the BMC gets before the power-off is forced (default 120 s). */
  timeoutSec: number;
  /** A timeout was sent (even null): it needs API 1.27, like the soft targets. */
  timeoutGiven: boolean;
}

/** `node.ident` is how the request named the node; its power state goes into the message of a bad target. */
export function parsePowerRequest(req: RequestBody, node: { ident: string; powerState: string | null }): PowerRequest {
  const target = req.target;
  if (!isPowerTarget(target)) {
    throw new BadRequestError(
      `The requested action "${String(target)}" can not be performed on node "${node.ident}" while it is in state "${node.powerState}". Valid targets: power on, power off, rebooting, soft power off, soft rebooting.`,
    );
  }
  let timeoutSec = DEFAULT_SOFT_TIMEOUT_SEC;
  if (req.timeout !== undefined && req.timeout !== null) {
    timeoutSec = readPositiveInt(req.timeout, 'timeout');
    if (timeoutSec < 1) throw new BadRequestError('timeout has to be positive integer');
  }
  return { target, timeoutSec, timeoutGiven: req.timeout !== undefined };
}

export function readBootDeviceBody(body: unknown): RequestBody {
  const req = requireObjectBody(body, 'boot device request');
  rejectUnknownKeys(req, ['boot_device', 'persistent'], 'boot device request');
  return req;
}

export interface BootDeviceRequest {
  device: BootDeviceName;
  persistent: boolean;
}

export function parseBootDeviceRequest(req: RequestBody): BootDeviceRequest {
  const device = req.boot_device;
  if (typeof device !== 'string' || !(BOOT_DEVICES as readonly string[]).includes(device)) {
    throw new BadRequestError(`Invalid boot device ${String(device)} specified. Supported: ${BOOT_DEVICES.join(', ')}.`);
  }
  const persistent = req.persistent === undefined || req.persistent === null ? false : readBool(req.persistent, 'persistent');
  return { device: device as BootDeviceName, persistent };
}

/** inject_nmi takes no arguments: no body, or `{}` (what the CLI sends). */
export function readNmiBody(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0) return;
  const req = requireObjectBody(body, 'inject_nmi request');
  rejectUnknownKeys(req, [], 'inject_nmi request');
}
