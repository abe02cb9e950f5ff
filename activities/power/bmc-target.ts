// From a node row to the hardware to talk to: the registry names the node's power and
// management interfaces, the worker's map gives their implementations. Credentials are
// opened here, inside the worker, and never travel through Temporal.
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import type { Node } from '#prisma/generated/sqlite/client';
import { openSecrets, type SealKeys } from '#prisma/sealed-json';
import { driverInfoProblems, resolveInterfaces } from '#workflows/domain/drivers';
import type {
  BootDevice,
  BootDeviceSetting,
  NodeHardware,
  PowerAction,
  PowerInterface,
  PowerInterfaces,
  PowerState,
  VirtualMediaSlot,
} from './power-interface';

/** A node bound to its power and management implementations. */
export interface Bmc {
  node: Node;
  getPowerState(): Promise<PowerState>;
  setPower(action: PowerAction): Promise<void>;
  getBootDevice(): Promise<BootDeviceSetting>;
  setBootDevice(device: BootDevice, persistent: boolean, uefi?: boolean): Promise<void>;
  injectNmi(): Promise<void>;
  /** Virtual media through the management interface; fails (not retried) on a BMC without it. */
  insertMedia(slot: VirtualMediaSlot, url: string): Promise<void>;
  ejectMedia(slot: VirtualMediaSlot): Promise<void>;
}

function implementation(node: Node, type: 'power' | 'management', name: string | undefined, interfaces: PowerInterfaces): PowerInterface {
  const impl = name === undefined ? undefined : interfaces[name];
  if (!impl)
    throw ApplicationFailure.nonRetryable(
      `Node ${node.uuid}: this worker has no ${type} interface ${name ?? '(none)'}.`,
      'InvalidDriverInfo',
    );
  return impl;
}

export function bmcFor(node: Node, keys: SealKeys, interfaces: PowerInterfaces): Bmc {
  const info = openSecrets(JSON.parse(node.driverInfo) as Record<string, unknown>, keys);
  const fields = { driver: node.driver, interfaces: JSON.parse(node.interfaces) as Record<string, unknown>, driverInfo: info };
  const problems = driverInfoProblems(fields);
  if (problems.length) {
    throw ApplicationFailure.nonRetryable(`Node ${node.uuid}: ${problems.join(' ')}`, 'InvalidDriverInfo');
  }
  const resolved = resolveInterfaces(fields).interfaces;
  const power = implementation(node, 'power', resolved.power?.name, interfaces);
  const management = implementation(node, 'management', resolved.management?.name, interfaces);
  const hw: NodeHardware = { node, driverInfo: info };
  const media = () => {
    if (management.virtualMedia) return management.virtualMedia;
    throw ApplicationFailure.nonRetryable(
      `Node ${node.uuid}: its management interface ${resolved.management?.name ?? '(none)'} has no virtual media.`,
      'NoVirtualMedia',
    );
  };
  return {
    node,
    getPowerState: () => power.getPowerState(hw),
    setPower: (action) => power.setPower(hw, action),
    getBootDevice: () => management.getBootDevice(hw),
    setBootDevice: (device, persistent, uefi) => management.setBootDevice(hw, device, { persistent, uefi }),
    injectNmi: () => management.injectNmi(hw),
    insertMedia: async (slot, url) => media().insert(hw, slot, url),
    ejectMedia: async (slot) => media().eject(hw, slot),
  };
}

export async function loadBmc(db: Database, nodeUuid: string, keys: SealKeys, interfaces: PowerInterfaces): Promise<Bmc> {
  const node = await db.node.findUnique({ where: { uuid: nodeUuid } });
  if (!node) throw ApplicationFailure.nonRetryable(`Node ${nodeUuid} could not be found.`, 'NodeNotFound');
  return bmcFor(node, keys, interfaces);
}

export { asActivityError } from '../shared/failure';
