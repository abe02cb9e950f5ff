// From a node row to the BMC to talk to and the driver to talk with. Credentials are
// opened here, inside the worker, and never travel through Temporal.
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../../prisma/database';
import type { Node } from '../../prisma/generated/sqlite/client';
import { openSecrets, type SealKeys } from '../../prisma/sealed-json';
import { checkIpmiDriverInfo, findHardwareType, ipmiCoordinates } from '../../workflows/contracts/drivers';
import type { BmcTarget, PowerDriver } from '../ipmi';

export interface PowerDrivers {
  /** The native RMCP+ client (power_interface "ipmi"). */
  ipmi: PowerDriver;
  /** One ipmitool process per call (power_interface "ipmitool"). */
  ipmitool: PowerDriver;
}

export interface Bmc {
  node: Node;
  target: BmcTarget;
  driver: PowerDriver;
}

export function bmcFor(node: Node, keys: SealKeys, drivers: PowerDrivers): Bmc {
  const info = openSecrets(JSON.parse(node.driverInfo) as Record<string, unknown>, keys);
  const problems = checkIpmiDriverInfo(info);
  if (problems.length) {
    throw ApplicationFailure.nonRetryable(`Node ${node.uuid}: ${problems.join(' ')}`, 'InvalidDriverInfo');
  }
  const c = ipmiCoordinates(info);
  const overrides = JSON.parse(node.interfaces) as { power?: string };
  const iface = overrides.power ?? findHardwareType(node.driver)?.defaults.power ?? 'ipmi';
  return {
    node,
    target: { address: c.address, port: c.port, username: c.username, password: typeof info.ipmi_password === 'string' ? info.ipmi_password : '', cipherSuite: c.cipherSuite },
    driver: iface === 'ipmitool' ? drivers.ipmitool : drivers.ipmi,
  };
}

export async function loadBmc(db: Database, nodeUuid: string, keys: SealKeys, drivers: PowerDrivers): Promise<Bmc> {
  const node = await db.node.findUnique({ where: { uuid: nodeUuid } });
  if (!node) throw ApplicationFailure.nonRetryable(`Node ${nodeUuid} could not be found.`, 'NodeNotFound');
  return bmcFor(node, keys, drivers);
}

export { asActivityError } from '../shared/failure';
