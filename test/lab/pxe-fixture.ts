// Test fixture: a TFTP root as Ironflow would prepare it (pxelinux.0, a deploy
// kernel and initrd) and pxelinux config text written inline, the way the
// PXE renderer (activities/pxe) would write it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pxelinuxConfigName } from './node-identity';

export interface DeployParams {
  deployment: string;
  secret: string;
  callback: string;
  mode: 'iscsi' | 'direct' | 'erase';
  iqn?: string;
  chapUser?: string;
  chapSecret?: string;
  disk?: string;
  imageUrl?: string;
  imageChecksum?: string;
}

/** Copies pxelinux.0 and writes stand-in deploy kernel/initrd files (the lab only fetches them). */
export function prepareTftpRoot(root: string): void {
  fs.copyFileSync('/usr/lib/PXELINUX/pxelinux.0', path.join(root, 'pxelinux.0'));
  fs.mkdirSync(path.join(root, 'deploy'), { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(root, 'deploy', 'kernel'), crypto.randomBytes(64 * 1024), { mode: 0o644 });
  fs.writeFileSync(path.join(root, 'deploy', 'initrd'), crypto.randomBytes(256 * 1024), { mode: 0o644 });
}

export function deployAppendLine(p: DeployParams): string {
  const kv: [string, string | undefined][] = [
    ['ironflow.deployment', p.deployment],
    ['ironflow.secret', p.secret],
    ['ironflow.callback', p.callback],
    ['ironflow.mode', p.mode],
    ['ironflow.iqn', p.iqn],
    ['ironflow.chap_user', p.chapUser],
    ['ironflow.chap_secret', p.chapSecret],
    ['ironflow.disk', p.disk ?? 'auto'],
    ['ironflow.image_url', p.imageUrl],
    ['ironflow.image_checksum', p.imageChecksum],
  ];
  return ['initrd=deploy/initrd', ...kv.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)].join(' ');
}

/** Writes pxelinux.cfg/01-<mac> booting the deploy kernel with these parameters. */
export function writeDeployConfig(root: string, mac: string, p: DeployParams): void {
  const text = ['default deploy', '', 'label deploy', '  kernel deploy/kernel', `  append ${deployAppendLine(p)}`, 'ipappend 2', ''].join(
    '\n',
  );
  writeConfig(root, mac, text);
}

export function writeConfig(root: string, mac: string, text: string): void {
  const file = path.join(root, 'pxelinux.cfg', pxelinuxConfigName(mac));
  fs.writeFileSync(`${file}.tmp`, text, { mode: 0o644 });
  fs.renameSync(`${file}.tmp`, file);
}
