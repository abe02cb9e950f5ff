// The worker's settings, read once from the environment.
import { ConfigError, loadCommonConfig, type CommonConfig } from '../../shared/config';
import type { PowerSyncSettings } from '../../../workflows/contracts/power';

export interface WorkerConfig {
  common: CommonConfig;
  /** null: no periodic power sync. */
  powerSync: PowerSyncSettings | null;
  ipmi: { maxConcurrency: number; ipmitoolConcurrency: number };
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
  return {
    common: loadCommonConfig(env),
    powerSync: interval === 0 ? null : {
      intervalSec: interval,
      failureLimit: num(env, 'IRONFLOW_POWER_SYNC_FAILURES', 3, 1),
      force: (env.IRONFLOW_POWER_SYNC_FORCE ?? 'false').toLowerCase() === 'true',
      batchSize: num(env, 'IRONFLOW_POWER_SYNC_BATCH', 250, 1),
      jitterMs: num(env, 'IRONFLOW_POWER_SYNC_JITTER_MS', 200, 0),
    },
    ipmi: { maxConcurrency: num(env, 'IRONFLOW_IPMI_CONCURRENCY', 64, 1), ipmitoolConcurrency: num(env, 'IRONFLOW_IPMITOOL_CONCURRENCY', 16, 1) },
  };
}
