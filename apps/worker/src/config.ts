// The worker's settings, read once from the environment.
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { ConfigError, discoveryEnabled, imageNetworks, loadCommonConfig, type CommonConfig } from '../../shared/config';
import { siteTaskQueue, type PowerSyncSettings } from '#workflows/contracts/power';
import type { Cidr } from '#workflows/domain/image-networks';

export interface WorkerConfig {
  common: CommonConfig;
  /** null: no periodic power sync. */
  powerSync: PowerSyncSettings | null;
  ipmi: { maxConcurrency: number; ipmitoolConcurrency: number };
  /** Redfish BMCs: requests in flight across all of them, and the deadline of one request. */
  redfish: { maxConcurrency: number; requestTimeoutMs: number };
  data: DataPathConfig;
  conductorGroup: string;
}

/** Where boot files, images and the image server live, and how the ramdisk reaches us. */
export interface DataPathConfig {
  bootRoot: string;
  imageCacheRoot: string;
  /** file:// image sources must be inside this directory. */
  imageDir: string;
  /** Non-public networks http(s) images may come from (IRONFLOW_IMAGE_ALLOWED_NETWORKS; default loopback). */
  imageAllowedNetworks: Cidr[];
  imageCacheMaxBytes: number;
  /** The largest deploy kernel/ramdisk fetched by URL (IRONFLOW_BOOT_FILE_MAX_BYTES). */
  bootFileMaxBytes: number;
  deployKernel: string;
  deployRamdisk: string;
  callbackBase: string;
  imageServer: { host: string; port: number; publicUrl?: string };
  iqnPrefix: string;
  ramdiskAppend?: string;
  deploymentTtlSec: number;
  dhcpHostsDir: string;
  /** IRONFLOW_HTTP_BOOT_URL: the boot root served over HTTP; iPXE then loads kernels and ramdisks from it. */
  httpBootUrl?: string;
  /** IRONFLOW_VMEDIA_DIR: where virtual-media deploy ISOs are built (served by the image server under /vmedia/). */
  vmediaDir?: string;
  /** IRONFLOW_DNSMASQ_LOG: dnsmasq's log file (--log-facility, --log-dhcp), read to explain a ramdisk that never called back. */
  dnsmasqLog?: string;
  /** IRONFLOW_DISCOVERY=1: unknown MACs boot the discovery ramdisk (activities/deploy/discovery-boot.ts). */
  discovery?: boolean;
}

export function dataPathDefaults(dataDir: string, env: NodeJS.ProcessEnv = {}): DataPathConfig {
  const ramdisk = path.join(repoRoot(), '.cache', 'ramdisk');
  return {
    bootRoot: env.IRONFLOW_BOOT_ROOT ?? path.join(dataDir, 'tftp'),
    imageCacheRoot: env.IRONFLOW_IMAGE_CACHE ?? path.join(dataDir, 'images'),
    imageDir: env.IRONFLOW_IMAGE_DIR ?? path.join(dataDir, 'image-store'),
    imageAllowedNetworks: imageNetworks(env),
    imageCacheMaxBytes: Number(env.IRONFLOW_IMAGE_CACHE_MAX_BYTES ?? 50 * 1024 ** 3),
    bootFileMaxBytes: num(env, 'IRONFLOW_BOOT_FILE_MAX_BYTES', 2 * 1024 ** 3, 1),
    deployKernel: env.IRONFLOW_DEPLOY_KERNEL ?? path.join(ramdisk, 'kernel'),
    deployRamdisk: env.IRONFLOW_DEPLOY_RAMDISK ?? path.join(ramdisk, 'initramfs.cpio.gz'),
    callbackBase: env.IRONFLOW_CALLBACK_URL ?? `http://127.0.0.1:${env.IRONFLOW_API_PORT ?? 6385}`,
    imageServer: {
      host: env.IRONFLOW_IMAGE_SERVER_HOST ?? '127.0.0.1',
      port: Number(env.IRONFLOW_IMAGE_SERVER_PORT ?? 6386),
      publicUrl: env.IRONFLOW_IMAGE_SERVER_URL,
    },
    iqnPrefix: env.IRONFLOW_IQN_PREFIX ?? 'iqn.2026-11.dev.ironflow',
    ramdiskAppend: env.IRONFLOW_RAMDISK_APPEND,
    deploymentTtlSec: Number(env.IRONFLOW_DEPLOYMENT_TTL ?? 3 * 3600),
    dhcpHostsDir: env.IRONFLOW_DHCP_HOSTS_DIR ?? path.join(dataDir, 'dnsmasq', 'hosts'),
    httpBootUrl: httpBootUrl(env.IRONFLOW_HTTP_BOOT_URL),
    dnsmasqLog: env.IRONFLOW_DNSMASQ_LOG || undefined,
    vmediaDir: env.IRONFLOW_VMEDIA_DIR ?? path.join(dataDir, 'vmedia'),
    discovery: discoveryEnabled(env),
  };
}

function httpBootUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let u: URL | undefined;
  try {
    u = new URL(raw);
  } catch {
    /* below */
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash)
    throw new ConfigError(`IRONFLOW_HTTP_BOOT_URL=${raw}: give the http(s) URL the boot root is served at, e.g. http://10.0.0.1:8080/`);
  return raw;
}

function num(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name}=${raw}: expected a number ≥ ${min}.`);
  return n;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const interval = num(env, 'IRONFLOW_POWER_SYNC_INTERVAL', 60, 0);
  const common = loadCommonConfig(env);
  // A site worker (IRONFLOW_CONDUCTOR_GROUP=rack2) serves the hardware of that group's nodes on queue <central>-rack2.
  const group = (env.IRONFLOW_CONDUCTOR_GROUP ?? '').toLowerCase();
  if (group) common.temporal.taskQueue = siteTaskQueue(common.temporal.taskQueue, group);
  return {
    common,
    conductorGroup: group,
    data: dataPathDefaults(common.dataDir, env),
    powerSync:
      interval === 0
        ? null
        : {
            conductorGroup: group,
            intervalSec: interval,
            failureLimit: num(env, 'IRONFLOW_POWER_SYNC_FAILURES', 3, 1),
            force: (env.IRONFLOW_POWER_SYNC_FORCE ?? 'false').toLowerCase() === 'true',
            batchSize: Math.min(500, num(env, 'IRONFLOW_POWER_SYNC_BATCH', 250, 1)), // a batch is one IN (...) query: stay under SQLite's 999 parameters
            jitterMs: num(env, 'IRONFLOW_POWER_SYNC_JITTER_MS', 200, 0),
          },
    ipmi: {
      maxConcurrency: num(env, 'IRONFLOW_IPMI_CONCURRENCY', 64, 1),
      ipmitoolConcurrency: num(env, 'IRONFLOW_IPMITOOL_CONCURRENCY', 16, 1),
    },
    redfish: {
      maxConcurrency: num(env, 'IRONFLOW_REDFISH_CONCURRENCY', 64, 1),
      requestTimeoutMs: num(env, 'IRONFLOW_REDFISH_TIMEOUT_MS', 15000, 100),
    },
  };
}
