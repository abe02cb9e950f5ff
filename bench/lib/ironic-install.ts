// Installs OpenStack Ironic (ironic-api, ironic-conductor) from Debian for the
// API benchmark's baseline, with the debconf answers that keep the packages from
// configuring a database, RabbitMQ, Keystone or an endpoint, and a policy-rc.d
// that keeps them from starting system services (we run our own on free ports).
import fs from 'node:fs';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';

export const IRONIC_PACKAGES = ['ironic-api', 'ironic-conductor', 'python3-ironicclient'] as const;

/** debconf answers: "no" to every question the postinst scripts ask. */
export const IRONIC_PRESEED =
  [
    'ironic-common ironic/configure_db boolean false',
    'ironic-common ironic-common/dbconfig-install boolean false',
    'ironic-common ironic/configure_rabbit boolean false',
    'ironic-common ironic/configure_ksat boolean false',
    'ironic-api ironic/configure_api-endpoint boolean false',
  ].join('\n') + '\n';

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** The executable's path if it is on PATH, else undefined. */
export function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** True when both Ironic services can be started. */
export function ironicInstalled(): boolean {
  return ['ironic-api', 'ironic-conductor', 'ironic-dbsync'].every((n) => onPath(n) !== undefined);
}

/** `sudo` when not root; none when root. Throws when neither works. */
function privileged(): string[] {
  if (process.getuid?.() === 0) return [];
  if (onPath('sudo')) return ['sudo', '-n'];
  throw new Error('installing Ironic needs root (or sudo): run as root or install the packages by hand');
}

async function asRoot(args: string[], opts: { stdin?: string; timeoutMs: number }): Promise<void> {
  const prefix = privileged();
  const [file, ...rest] = [...prefix, ...args];
  await runCommand({ file, args: rest, stdin: opts.stdin, timeoutMs: opts.timeoutMs, env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

/**
 * apt-get update, then install the Ironic packages non-interactively.
 * Takes a few minutes; `log` hears each step.
 */
export async function installIronic(log: (line: string) => void): Promise<void> {
  log('installing Ironic from Debian (apt-get update + install; a few minutes) ...');
  await asRoot(['debconf-set-selections'], { stdin: IRONIC_PRESEED, timeoutMs: 60_000 });
  let madePolicy = false;
  if (!fs.existsSync(POLICY_RC_D)) {
    await asRoot(['sh', '-c', `printf '#!/bin/sh\\nexit 101\\n' > ${POLICY_RC_D} && chmod +x ${POLICY_RC_D}`], { timeoutMs: 10_000 });
    madePolicy = true;
  }
  try {
    const lockWait = ['-o', 'DPkg::Lock::Timeout=600'];
    await asRoot(['apt-get', ...lockWait, 'update', '-qq'], { timeoutMs: 15 * 60_000 });
    await asRoot(['apt-get', ...lockWait, 'install', '-y', '-qq', ...IRONIC_PACKAGES], { timeoutMs: 30 * 60_000 });
  } finally {
    if (madePolicy) await asRoot(['rm', '-f', POLICY_RC_D], { timeoutMs: 10_000 }).catch(() => undefined);
  }
  if (!ironicInstalled()) throw new Error('apt-get install finished but ironic-api/ironic-conductor are not on PATH');
  log('Ironic installed');
}
