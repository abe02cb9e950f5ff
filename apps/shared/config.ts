// Settings shared by the API and the worker, read once from the environment at
// each composition root and passed down as typed slices.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseKey, type SealKeys } from '#prisma/sealed-json';
import { repoRoot } from './repo-root';
import { DEFAULT_IMAGE_ALLOWED_NETWORKS, IMAGE_NETWORKS_SETTING, parseCidrList, type Cidr } from '#workflows/domain/image-networks';

export interface CommonConfig {
  dataDir: string;
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  keys: SealKeys;
  logLevel: string;
}

export class ConfigError extends Error {}

function readKeys(env: NodeJS.ProcessEnv, dataDir: string): SealKeys {
  let primaryText = env.IRONFLOW_SECRET_KEY;
  if (!primaryText) {
    const file = env.IRONFLOW_SECRET_KEY_FILE ?? path.join(dataDir, 'secret.key');
    if (!fs.existsSync(file)) {
      // First start on embedded defaults: make a key only this user can read.
      fs.mkdirSync(path.dirname(file), { recursive: true });
      try {
        fs.writeFileSync(file, crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
    primaryText = fs.readFileSync(file, 'utf8');
  }
  const previous = (env.IRONFLOW_SECRET_KEYS_PREVIOUS ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(parseKey);
  try {
    return { primary: parseKey(primaryText), previous };
  } catch (e) {
    throw new ConfigError(`IRONFLOW_SECRET_KEY: ${(e as Error).message}`);
  }
}

export function loadCommonConfig(env: NodeJS.ProcessEnv = process.env): CommonConfig {
  const dataDir = path.resolve(env.IRONFLOW_DATA_DIR ?? path.join(repoRoot(), '.data'));
  return {
    dataDir,
    databaseUrl: env.DATABASE_URL ?? `file:${path.join(dataDir, 'ironflow.db')}`,
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: env.IRONFLOW_TASK_QUEUE ?? 'ironflow',
    },
    keys: readKeys(env, dataDir),
    logLevel: env.IRONFLOW_LOG_LEVEL ?? 'info',
  };
}

/** IRONFLOW_IMAGE_ALLOWED_NETWORKS: the non-public networks images may come from (API and worker read the same). */
export function imageNetworks(env: NodeJS.ProcessEnv): Cidr[] {
  try {
    return parseCidrList(env[IMAGE_NETWORKS_SETTING] ?? DEFAULT_IMAGE_ALLOWED_NETWORKS);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

/** IRONFLOW_DISCOVERY=1 (or true/yes/on): unknown servers that PXE-boot are discovered (API and worker read the same). */
export function discoveryEnabled(env: NodeJS.ProcessEnv): boolean {
  const v = (env.IRONFLOW_DISCOVERY ?? '0').trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new ConfigError(`IRONFLOW_DISCOVERY=${env.IRONFLOW_DISCOVERY}: use 1 (on) or 0 (off).`);
}
