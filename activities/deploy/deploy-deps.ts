// What the deploy activity groups share: their configuration, dependencies and
// the node lookup. Inputs are ids; image URLs, secrets and CHAP credentials are
// read from the database by the activities and never pass through Temporal.
import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '#prisma/database';
import type { SealKeys } from '#prisma/sealed-json';
import type { ImageCache } from '../images';
import type { DeploymentStore } from './deployments';

export interface DeployConfig {
  /** TFTP/HTTP boot root the nodes PXE-boot from. */
  bootRoot: string;
  /** Default deploy kernel and ramdisk files (driver_info.deploy_kernel/deploy_ramdisk override). */
  deployKernel: string;
  deployRamdisk: string;
  /** Per-node boot files (deploy_kernel, kernel, ...) must lie here or beside the default deploy kernel/ramdisk. */
  imageDir?: string;
  /** Base URL the ramdisk calls back to, e.g. http://10.0.0.1:6385. */
  callbackBase: string;
  /** Base URL of the image server for direct mode, e.g. http://10.0.0.1:6386. */
  imageServerBase: string;
  /** IQN prefix; the node's UUID is appended. */
  iqnPrefix: string;
  /** Extra kernel parameters for the deploy ramdisk (e.g. console=ttyS0). */
  ramdiskAppend?: string;
  /** How long a deployment's secret stays valid. */
  deploymentTtlSec: number;
  /** dnsmasq `dhcp-hostsdir` for provisioning nodes' host entries. */
  dhcpHostsDir: string;
  /** iPXE fetches kernels and ramdisks from here (the boot root over HTTP) instead of TFTP. */
  httpBootUrl?: string;
  /** Where virtual-media deploy ISOs are built and served from (the image server's /vmedia/); unset: no virtual media. */
  vmediaDir?: string;
  /** dnsmasq's log (--log-facility, --log-dhcp): evidence of DHCP and TFTP when a ramdisk stays silent. */
  dnsmasqLog?: string;
}

export interface DeployActivityDeps {
  db: Database;
  keys: SealKeys;
  cache: ImageCache;
  deployments: DeploymentStore;
  deploy: DeployConfig;
}

export function json(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>;
}

/** The node with its ports; a missing node is a non-retryable failure. */
export async function nodeWithPorts(db: Database, uuid: string) {
  const n = await db.node.findUnique({ where: { uuid }, include: { ports: true } });
  if (!n) throw ApplicationFailure.nonRetryable(`Node ${uuid} could not be found.`, 'NodeNotFound');
  return n;
}
