// Describes an iSCSI LUN and turns it into qemu-img `--image-opts` text. The
// CHAP secret goes into a 0600 file that qemu reads through a `secret` object,
// so it never appears in argv.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface IscsiLun {
  portal: { address: string; port: number };
  iqn: string;
  lun: number;
  chap?: { user: string; secret: string };
}

const IQN = /^(iqn\.\d{4}-\d{2}\.[A-Za-z0-9.-]+(:[A-Za-z0-9.:_-]+)?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16,32})$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/;
const CHAP_USER = /^[A-Za-z0-9._@:-]{1,255}$/;

/** Human-readable name of a LUN for messages (no secrets). */
export function describeLun(l: IscsiLun): string {
  return `${l.iqn} LUN ${l.lun} at ${portalText(l)}`;
}

function portalText(l: IscsiLun): string {
  return net.isIPv6(l.portal.address) ? `[${l.portal.address}]:${l.portal.port}` : `${l.portal.address}:${l.portal.port}`;
}

/** Throws a plain Error saying what is wrong with the LUN description. */
export function validateLun(l: IscsiLun): void {
  if (!net.isIP(l.portal.address) && !HOSTNAME.test(l.portal.address)) {
    throw new Error(`invalid iSCSI portal address ${JSON.stringify(l.portal.address)}: expected an IP address or host name`);
  }
  if (!Number.isInteger(l.portal.port) || l.portal.port < 1 || l.portal.port > 65535) {
    throw new Error(`invalid iSCSI portal port ${l.portal.port}: expected 1-65535`);
  }
  if (!IQN.test(l.iqn)) throw new Error(`invalid iSCSI target name ${JSON.stringify(l.iqn)}: expected iqn.YYYY-MM.domain[:name]`);
  if (!Number.isInteger(l.lun) || l.lun < 0 || l.lun > 16383) throw new Error(`invalid LUN ${l.lun}: expected 0-16383`);
  if (l.chap) {
    if (!CHAP_USER.test(l.chap.user)) throw new Error('invalid CHAP user: use letters, digits and . _ @ : -');
    if (l.chap.secret.length === 0 || /[\r\n]/.test(l.chap.secret)) throw new Error('invalid CHAP secret: it must be one non-empty line');
  }
}

/** Escapes a value for qemu's key=value,... option syntax (commas are doubled). */
export function optValue(v: string): string {
  return v.split(',').join(',,');
}

/** Options for a local raw file, optionally a window [offset, offset+size) or everything from `from` on. */
export function rawFileOpts(file: string, window?: { offset: number; size: number }, from?: number): string {
  const win = window ? `,offset=${window.offset},size=${window.size}` : from ? `,offset=${from}` : '';
  return `driver=raw${win},file.driver=file,file.filename=${optValue(file)}`;
}

export interface LunSession {
  /** `--object secret,...` arguments (empty without CHAP). */
  objectArgs: string[];
  /** Options for the LUN itself as a raw image, optionally a window. */
  rawOpts(window?: { offset: number; size: number }): string;
  /** Options for the iscsi protocol driver alone (for info). */
  iscsiOpts(): string;
}

/** Runs fn with a session for the LUN; the secret file exists only while fn runs. */
export async function withLunSession<T>(l: IscsiLun, fn: (s: LunSession) => Promise<T>, tmpRoot = os.tmpdir()): Promise<T> {
  validateLun(l);
  let dir: string | undefined;
  const secretId = 'ironflow-chap';
  try {
    let auth = '';
    const objectArgs: string[] = [];
    if (l.chap) {
      dir = await fs.mkdtemp(path.join(tmpRoot, 'ironflow-iscsi-'));
      await fs.chmod(dir, 0o700);
      const file = path.join(dir, 'chap');
      await fs.writeFile(file, l.chap.secret, { mode: 0o600, flag: 'wx' });
      objectArgs.push('--object', `secret,id=${secretId},file=${optValue(file)}`);
      auth = `,user=${l.chap.user},password-secret=${secretId}`;
    }
    const base = `transport=tcp,portal=${portalText(l)},target=${l.iqn},lun=${l.lun}${auth}`;
    const prefixed = base
      .split(',')
      .map((kv) => `file.${kv}`)
      .join(',');
    return await fn({
      objectArgs,
      iscsiOpts: () => `driver=iscsi,${base}`,
      rawOpts: (w) => `driver=raw${w ? `,offset=${w.offset},size=${w.size}` : ''},file.driver=iscsi,${prefixed}`,
    });
  } finally {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  }
}
