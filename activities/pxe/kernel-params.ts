// The kernel command line the deploy ramdisk is written against. Parameter
// names are a fixed contract; only the ones that apply to a mode are emitted.
import { httpUrl, identifier, InvalidBootParameterError, iqn, port, safeValue, tokenValue } from './validate';
import type { DeployMode } from '#workflows/contracts/deploy';

export type { DeployMode };

export interface DeployKernelParams {
  deploymentId: string;
  /** Per-deployment secret the ramdisk presents on its callback. */
  secret: string;
  /** Where the ramdisk calls back (http/https). */
  callbackUrl: string;
  mode: DeployMode;
  /** What the ramdisk exports its disk as: required in iscsi mode, optional in direct mode (exported on `export`), ignored in erase mode. */
  iscsi?: { iqn: string; port: number; chapUser?: string; chapSecret?: string };
  /** Which disk to use (root device hint, e.g. `sda` or `/dev/disk/by-path/...`). */
  disk?: string;
  /** Root-device hints, encoded (workflows/domain/root-device-hints.ts encodeRootDeviceHints); '' or absent = none. */
  rootDevice?: string;
  /** direct mode: where the ramdisk pulls the image from, and its checksum. */
  imageUrl?: string;
  imageChecksum?: string;
  /** Operator extras (e.g. `console=ttyS0,115200n8`), appended last. */
  append?: string | readonly string[];
}

/** Linux's x86 COMMAND_LINE_SIZE. */
export const MAX_CMDLINE = 2048;

/** Splits and validates operator append params; `ironflow.*` is reserved. */
export function appendParams(append: string | readonly string[] | undefined): string[] {
  if (append === undefined) return [];
  const tokens = typeof append === 'string' ? append.split(/ +/).filter(Boolean) : [...append];
  for (const t of tokens) {
    safeValue('append parameter', t);
    if (/^ironflow\./i.test(t))
      throw new InvalidBootParameterError(`append parameter ${JSON.stringify(t)} may not set ironflow.* parameters`);
    if (/^(initrd|BOOTIF)=/i.test(t)) throw new InvalidBootParameterError(`append parameter ${JSON.stringify(t)} is set by Ironflow`);
  }
  return tokens;
}

function checksumParam(v: string): string {
  if (!/^(md5:[0-9a-f]{32}|sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/.test(v)) {
    throw new InvalidBootParameterError('image checksum must be <algo>:<lower-case hex> with algo md5, sha256 or sha512');
  }
  return v;
}

/** The ordered `key=value` list for a deploy boot. */
export function deployKernelParams(p: DeployKernelParams): string[] {
  const out = [
    `ironflow.deployment=${identifier('deployment id', p.deploymentId)}`,
    `ironflow.secret=${tokenValue('deployment secret', p.secret, 16, 256)}`,
    `ironflow.callback=${httpUrl('callback URL', p.callbackUrl)}`,
  ];
  if (p.mode !== 'iscsi' && p.mode !== 'direct' && p.mode !== 'erase' && p.mode !== 'inspect' && p.mode !== 'rescue') {
    throw new InvalidBootParameterError(`deploy mode ${JSON.stringify(p.mode)} must be iscsi, direct, erase, inspect or rescue`);
  }
  out.push(`ironflow.mode=${p.mode}`);
  if (p.mode === 'iscsi' && !p.iscsi) throw new InvalidBootParameterError('iscsi mode needs iscsi.iqn and iscsi.port');
  // direct mode exports its disk when told (`export`, for the config drive): it gets the target too. Erase
  // mode's `export` is for hand-run tools; Ironflow never sends it, so its credentials stay off that command line.
  // Rescue never exports the disk: no target on its command line either.
  if (p.iscsi && p.mode !== 'erase' && p.mode !== 'inspect' && p.mode !== 'rescue') {
    out.push(`ironflow.iqn=${iqn('iSCSI IQN', p.iscsi.iqn)}`);
    if ((p.iscsi.chapUser === undefined) !== (p.iscsi.chapSecret === undefined)) {
      throw new InvalidBootParameterError('give both CHAP user and CHAP secret, or neither');
    }
    if (p.iscsi.chapUser !== undefined) {
      out.push(`ironflow.chap_user=${tokenValue('CHAP user', p.iscsi.chapUser, 1, 64)}`);
      out.push(`ironflow.chap_secret=${tokenValue('CHAP secret', p.iscsi.chapSecret!, 12, 255)}`);
    }
    out.push(`ironflow.iscsi_port=${port('iSCSI port', p.iscsi.port)}`);
  }
  if (p.disk !== undefined) out.push(`ironflow.disk=${safeValue('disk hint', p.disk, 256)}`);
  if (p.rootDevice) out.push(`ironflow.root_device=${safeValue('root device hints', p.rootDevice, 1024)}`);
  if (p.mode === 'direct') {
    if (!p.imageUrl || !p.imageChecksum) throw new InvalidBootParameterError('direct mode needs imageUrl and imageChecksum');
    out.push(`ironflow.image_url=${httpUrl('image URL', p.imageUrl)}`);
    out.push(`ironflow.image_checksum=${checksumParam(p.imageChecksum)}`);
  }
  out.push(...appendParams(p.append));
  return out;
}

/** What the discovery boot (the default config for unknown MACs) tells the ramdisk: no deployment, no secret. */
export interface DiscoverKernelParams {
  /** Where the ramdisk posts its inventory (POST /v1/discovery). */
  callbackUrl: string;
  append?: string | readonly string[];
}

/** The ordered `key=value` list for a discovery boot (ramdisk/PROTOCOL.md "discover"). */
export function discoverKernelParams(p: DiscoverKernelParams): string[] {
  return ['ironflow.mode=discover', `ironflow.callback=${httpUrl('discovery URL', p.callbackUrl)}`, ...appendParams(p.append)];
}
