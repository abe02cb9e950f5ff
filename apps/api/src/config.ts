// The API's configuration, read once from the environment.
import os from 'node:os';
import path from 'node:path';
import { ConfigError, discoveryEnabled, imageNetworks, loadCommonConfig, type CommonConfig } from '../../shared/config';
import { DEFAULT_DISCOVERY_SOURCES, type DiscoverySettings } from './discovery/discovery-guard';
import { parseCidrList } from '#workflows/domain/image-networks';
import type { Cidr } from '#workflows/domain/image-networks';
import { DEFAULT_CALLBACK_LIMITS, type CallbackLimits } from './deployments/callback-limiter';
import type { ApiToken, AuthConfig, Role } from './common/request-context';
import type { EraseMode } from '#workflows/contracts/deploy';
import { BOOT_MODES, isBootMode, type BootMode } from '#workflows/domain/boot-mode';

export interface ApiConfig {
  common: CommonConfig;
  host: string;
  port: number;
  auth: AuthConfig;
  maxLimit: number;
  bodyLimitBytes: number;
  conductor: string;
  automatedClean: EraseMode | 'none';
  callbackTimeoutSec: number;
  /** IRONFLOW_INSPECT_TIMEOUT: how long an inspection waits for the ramdisk's inventory (Ironic's inspect_wait_timeout, 1800 s). */
  inspectTimeoutSec: number;
  imageAllowedNetworks: Cidr[];
  callbackLimits: CallbackLimits;
  /** IRONFLOW_CONSOLE_LOG_DIR: `<node name>/console.log` files (default <data dir>/lab, where the VM lab writes them). */
  consoleLogDir: string;
  defaultBootMode: BootMode;
  /** IRONFLOW_DISCOVERY, IRONFLOW_DISCOVERY_SOURCES: POST /v1/discovery for unknown servers. */
  discovery: DiscoverySettings;
}

const ROLES: Role[] = ['admin', 'member', 'observer'];

/** IRONFLOW_API_TOKENS="name:role[:project]:token,...": a list of API tokens. */
export function parseTokens(text: string): ApiToken[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const parts = entry.split(':');
      if (parts.length < 3 || parts.length > 4)
        throw new ConfigError(`IRONFLOW_API_TOKENS entry "${parts[0]}:…" must be name:role:token or name:role:project:token.`);
      const [name, role] = parts;
      const token = parts[parts.length - 1];
      const project = parts.length === 4 ? parts[2] : undefined;
      if (!ROLES.includes(role as Role))
        throw new ConfigError(`IRONFLOW_API_TOKENS: role "${role}" of ${name} must be one of ${ROLES.join(', ')}.`);
      if (role === 'member' && !project)
        throw new ConfigError(`IRONFLOW_API_TOKENS: member ${name} needs a project (name:member:project:token).`);
      if (token.length < 16) throw new ConfigError(`IRONFLOW_API_TOKENS: the token of ${name} is shorter than 16 characters.`);
      return { name, role: role as Role, project, token };
    });
}

function cleanMode(v: string): EraseMode | 'none' {
  if (v === 'metadata' || v === 'full' || v === 'none') return v;
  throw new ConfigError(`IRONFLOW_AUTOMATED_CLEAN=${v}: use metadata, full or none.`);
}

/** IRONFLOW_DEFAULT_BOOT_MODE: the boot mode of a node whose capabilities and instance_info name none. */
function defaultBootMode(v: string): BootMode {
  const m = v.trim().toLowerCase();
  if (isBootMode(m)) return m;
  throw new ConfigError(`IRONFLOW_DEFAULT_BOOT_MODE=${v}: use ${BOOT_MODES.join(' or ')}.`);
}

/** IRONFLOW_DISCOVERY=1 turns discovery on; IRONFLOW_DISCOVERY_SOURCES lists where reports may come from. */
function discoverySettings(env: NodeJS.ProcessEnv): DiscoverySettings {
  try {
    return { enabled: discoveryEnabled(env), sources: parseCidrList(env.IRONFLOW_DISCOVERY_SOURCES ?? DEFAULT_DISCOVERY_SOURCES) };
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`IRONFLOW_DISCOVERY_SOURCES: ${(e as Error).message}`);
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** IRONFLOW_CALLBACK_RATE / _SOURCE_RATE: callbacks a second per deployment / per source address; bursts of 12 s worth. */
function callbackLimits(env: NodeJS.ProcessEnv): CallbackLimits {
  const rate = (name: string, dflt: number): { rate: number; burst: number } => {
    const raw = env[name];
    const r = raw === undefined || raw === '' ? dflt : Number(raw);
    if (!Number.isFinite(r) || r <= 0) throw new ConfigError(`${name}=${raw}: expected callbacks per second, a number > 0.`);
    return { rate: r, burst: Math.max(1, Math.round(r * 12)) };
  };
  return {
    perDeployment: rate('IRONFLOW_CALLBACK_RATE', DEFAULT_CALLBACK_LIMITS.perDeployment.rate),
    perSource: rate('IRONFLOW_CALLBACK_SOURCE_RATE', DEFAULT_CALLBACK_LIMITS.perSource.rate),
    failureCost: DEFAULT_CALLBACK_LIMITS.failureCost,
  };
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const host = env.IRONFLOW_API_HOST ?? '127.0.0.1';
  const tokens = env.IRONFLOW_API_TOKENS ? parseTokens(env.IRONFLOW_API_TOKENS) : [];
  const auth: AuthConfig = tokens.length ? { mode: 'token', tokens } : { mode: 'none' };
  if (auth.mode === 'none' && !isLoopback(host)) {
    throw new ConfigError(`Refusing to serve on ${host} without authentication: set IRONFLOW_API_TOKENS, or bind 127.0.0.1.`);
  }
  const port = Number(env.IRONFLOW_API_PORT ?? 6385);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`IRONFLOW_API_PORT ${env.IRONFLOW_API_PORT} is not a port number.`);
  const common = loadCommonConfig(env);
  return {
    common,
    host,
    port,
    auth,
    maxLimit: Number(env.IRONFLOW_API_MAX_LIMIT ?? 1000),
    bodyLimitBytes: Number(env.IRONFLOW_API_BODY_LIMIT ?? 1024 * 1024),
    conductor: env.IRONFLOW_CONDUCTOR_NAME ?? os.hostname(),
    automatedClean: cleanMode(env.IRONFLOW_AUTOMATED_CLEAN ?? 'metadata'),
    callbackTimeoutSec: Number(env.IRONFLOW_DEPLOY_CALLBACK_TIMEOUT ?? 600),
    inspectTimeoutSec: Number(env.IRONFLOW_INSPECT_TIMEOUT ?? 1800),
    imageAllowedNetworks: imageNetworks(env),
    callbackLimits: callbackLimits(env),
    consoleLogDir: env.IRONFLOW_CONSOLE_LOG_DIR ?? path.join(common.dataDir, 'lab'),
    defaultBootMode: defaultBootMode(env.IRONFLOW_DEFAULT_BOOT_MODE ?? 'bios'),
    discovery: discoverySettings(env),
  };
}
