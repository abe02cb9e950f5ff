// A node's boot mode (BIOS or UEFI), by Ironic's rules (boot_mode_utils.get_boot_mode_for_deploy):
// instance_info.deploy_boot_mode wins over the node's capability `boot_mode` in
// properties.capabilities (Ironic's "k:v,k:v" string), which wins over the deployment's
// default (IRONFLOW_DEFAULT_BOOT_MODE). Values are case-insensitive; anything but bios or
// uefi is refused when the node is written, so a deploy never meets one.
import { BOOT_MODES, type BootMode } from '../contracts/power';

export { BOOT_MODES, type BootMode };

/** The node fields the rules read (the API's names, JSON already parsed). */
export interface BootModeFields {
  properties?: Record<string, unknown>;
  instanceInfo?: Record<string, unknown>;
}

export function isBootMode(v: unknown): v is BootMode {
  return typeof v === 'string' && (BOOT_MODES as readonly string[]).includes(v);
}

function normalize(v: unknown): string {
  return String(v).trim().replace(/"/g, '').toLowerCase();
}

/**
 * Ironic's capabilities: a "k:v,k:v" string. A flat object ({"boot_mode": "uefi"}) is read
 * the same way, as some clients send one. Entries without exactly one `:` are ignored (as Ironic does).
 */
export function parseCapabilities(v: unknown): Record<string, string> | { problem: string } {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v === 'object' && !Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v))
      if (typeof x === 'string' || typeof x === 'boolean' || typeof x === 'number') out[k] = String(x);
    return out;
  }
  if (typeof v !== 'string') {
    return {
      problem: `properties/capabilities must be a string of key:value pairs separated by commas (e.g. "boot_mode:uefi"), not ${JSON.stringify(v)}.`,
    };
  }
  const out: Record<string, string> = {};
  for (const entry of v.split(',')) {
    const parts = entry.split(':');
    if (parts.length === 2 && parts[0].trim() && parts[1].trim()) out[parts[0].trim()] = parts[1].trim();
  }
  return out;
}

/** What is wrong with the node's boot mode settings (empty when nothing). */
export function bootModeProblems(f: BootModeFields): string[] {
  const problems: string[] = [];
  const caps = parseCapabilities(f.properties?.capabilities);
  if ('problem' in caps) problems.push(caps.problem as string);
  else if (caps.boot_mode !== undefined && !isBootMode(normalize(caps.boot_mode))) {
    problems.push(
      `Invalid boot_mode ${JSON.stringify(caps.boot_mode)} in properties/capabilities: use bios or uefi (e.g. "boot_mode:uefi").`,
    );
  }
  const d = f.instanceInfo?.deploy_boot_mode;
  if (d !== undefined && d !== null && !isBootMode(normalize(d))) {
    problems.push(`Invalid instance_info/deploy_boot_mode ${JSON.stringify(d)}: use bios or uefi.`);
  }
  return problems;
}

/** The mode to boot the node in for a deploy, clean or boot-device change. Assumes bootModeProblems found nothing. */
export function resolveBootMode(f: BootModeFields, fallback: BootMode): BootMode {
  const d = f.instanceInfo?.deploy_boot_mode;
  if (d !== undefined && d !== null && isBootMode(normalize(d))) return normalize(d) as BootMode;
  const caps = parseCapabilities(f.properties?.capabilities);
  if (!('problem' in caps) && caps.boot_mode !== undefined && isBootMode(normalize(caps.boot_mode)))
    return normalize(caps.boot_mode) as BootMode;
  return fallback;
}
