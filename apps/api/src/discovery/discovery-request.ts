// The body of POST /v1/discovery (ramdisk/PROTOCOL.md "discover"): the ramdisk's `inventory`
// callback without a deployment: {seq, event: "inventory", inventory: {..., bmc_address?}, boot?}.
import type { Inventory } from '#workflows/contracts/inventory';
import { inventoryMacs, isIpv4 } from '#workflows/domain/discovery';
import { BadRequestError } from '../common/errors';
import { inventoryProblem } from '../deployments/inventory-shape';

export interface DiscoveryReport {
  seq: number;
  inventory: Inventory;
}

export function parseDiscoveryReport(body: unknown): DiscoveryReport {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestError('A discovery report is a JSON object.');
  const b = body as Record<string, unknown>;
  if (!Number.isSafeInteger(b.seq) || (b.seq as number) < 0) throw new BadRequestError('seq must be a non-negative integer.');
  if (b.event !== 'inventory') throw new BadRequestError(`event must be "inventory", not ${JSON.stringify(b.event)?.slice(0, 40)}.`);
  const problem = inventoryProblem(b.inventory);
  if (problem) throw new BadRequestError(`Bad inventory: ${problem}.`);
  const inv = b.inventory as Inventory;
  if (inv.bmc_address !== undefined && inv.bmc_address !== null && !isIpv4(inv.bmc_address)) {
    throw new BadRequestError('inventory.bmc_address must be an IPv4 address.');
  }
  if (inventoryMacs(inv).length === 0) throw new BadRequestError('The inventory names no NIC with a MAC address: nothing to enroll it by.');
  return { seq: b.seq as number, inventory: inv };
}
