// Writes and removes per-MAC boot files under a TFTP/HTTP boot root:
// pxelinux.cfg/01-<mac> and ipxe.cfg/<mac>. Kernel and ramdisk are copied in
// under content-hashed names (ironflow/boot/<sha256>.kernel|.ramdisk), so
// concurrent deploys never overwrite each other's files. Every write is a
// temp file + rename; writing the same thing twice changes nothing. No path
// may leave the root, not even through a symlinked directory.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import {
  ipxeScriptFileName,
  pxeConfigFileName,
  renderIpxeScript,
  renderPxelinuxConfig,
  type BootConfig,
  type RenderOptions,
} from './render';
import type { DeployKernelParams, DiscoverKernelParams } from './kernel-params';
import { InvalidBootParameterError, normalizeMac } from './validate';

/** What to boot, with kernel/ramdisk given as files on this host. */
export type BootSpec =
  | { kind: 'local' }
  | ({ kind: 'deploy'; kernelFile: string; ramdiskFile: string } & DeployKernelParams)
  | { kind: 'netboot'; kernelFile: string; ramdiskFile: string; root: string; append?: string | readonly string[] }
  | ({ kind: 'discover'; kernelFile: string; ramdiskFile: string } & DiscoverKernelParams);

export interface WriteBootConfigsInput extends RenderOptions {
  macs: readonly string[];
  boot: BootSpec;
}

export interface WriteBootConfigsResult {
  /** Files written or already up to date, relative to the root. */
  files: string[];
  /** Where kernel and ramdisk were staged, relative to the root. */
  kernel?: string;
  ramdisk?: string;
}

export class BootRootEscapeError extends Error {
  readonly type = 'BootRootEscape';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'BootRootEscapeError';
  }
}

const STAGE_DIR = 'ironflow/boot';

async function realRoot(root: string): Promise<string> {
  try {
    const r = await fs.realpath(root);
    if (!(await fs.stat(r)).isDirectory()) throw new Error('not a directory');
    return r;
  } catch {
    throw new BootRootEscapeError(`boot root ${root} does not exist or is not a directory`);
  }
}

/** Makes (if needed) the parent directory of rel inside root and checks it really is inside. */
async function safeTarget(root: string, rel: string): Promise<string> {
  const abs = path.resolve(root, rel);
  if (!abs.startsWith(root + path.sep)) throw new BootRootEscapeError(`${rel} would be outside the boot root`);
  const dir = path.dirname(abs);
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const realDir = await fs.realpath(dir);
  if (realDir !== root && !realDir.startsWith(root + path.sep)) {
    throw new BootRootEscapeError(`${path.dirname(rel)} resolves to ${realDir}, outside the boot root ${root}`);
  }
  const st = await fs.lstat(abs).catch(() => undefined);
  if (st?.isSymbolicLink()) throw new BootRootEscapeError(`${rel} is a symlink; refusing to write through it`);
  return path.join(realDir, path.basename(abs));
}

async function writeAtomic(file: string, content: string | Buffer): Promise<void> {
  const current = await fs.readFile(file).catch(() => undefined);
  if (current && current.equals(Buffer.from(content))) return;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, content, { mode: 0o644, flag: 'wx' });
    await fs.rename(tmp, file);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Copies a file into the root under its content hash; returns the relative path. */
async function stage(root: string, src: string, suffix: 'kernel' | 'ramdisk'): Promise<string> {
  const st = await fs.stat(src).catch(() => undefined);
  if (!st?.isFile()) throw new InvalidBootParameterError(`${suffix} file ${src} does not exist or is not a regular file`);
  const rel = `${STAGE_DIR}/${await sha256File(src)}.${suffix}`;
  const dest = await safeTarget(root, rel);
  const have = await fs.stat(dest).catch(() => undefined);
  if (have?.isFile() && have.size === st.size) return rel;
  const tmp = `${dest}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.copyFile(src, tmp);
    await fs.chmod(tmp, 0o644);
    await fs.rename(tmp, dest);
  } finally {
    await fs.rm(tmp, { force: true });
  }
  return rel;
}

/** Writes pxelinux and iPXE files for every MAC (and stages kernel/ramdisk). */
export async function writeBootConfigs(root: string, input: WriteBootConfigsInput): Promise<WriteBootConfigsResult> {
  const r = await realRoot(root);
  if (input.macs.length === 0) throw new InvalidBootParameterError('no MAC addresses given: at least one PXE-enabled port is needed');
  const macs = [...new Set(input.macs.map(normalizeMac))];
  const b = input.boot;
  let config: BootConfig;
  const result: WriteBootConfigsResult = { files: [] };
  if (b.kind === 'local') {
    config = { kind: 'local' };
  } else {
    // Render once before touching the disk so invalid parameters write nothing.
    const probe = { ...b, kernel: 'x', ramdisk: 'x' };
    renderPxelinuxConfig(probe as BootConfig);
    result.kernel = await stage(r, b.kernelFile, 'kernel');
    result.ramdisk = await stage(r, b.ramdiskFile, 'ramdisk');
    const { kernelFile: _k, ramdiskFile: _r, ...rest } = b;
    config = { ...rest, kernel: result.kernel, ramdisk: result.ramdisk } as BootConfig;
  }
  const pxe = renderPxelinuxConfig(config);
  const ipxe = renderIpxeScript(config, { httpBootUrl: input.httpBootUrl });
  for (const mac of macs) {
    for (const [rel, text] of [
      [pxeConfigFileName(mac), pxe],
      [ipxeScriptFileName(mac), ipxe],
    ] as const) {
      await writeAtomic(await safeTarget(r, rel), text);
      result.files.push(rel);
    }
  }
  return result;
}

/** Removes the per-MAC files. Missing files are fine. Returns what was removed. */
export async function removeBootConfigs(root: string, macs: readonly string[]): Promise<string[]> {
  const r = await realRoot(root);
  const removed: string[] = [];
  for (const mac of new Set(macs.map(normalizeMac))) {
    for (const rel of [pxeConfigFileName(mac), ipxeScriptFileName(mac)]) {
      const abs = path.resolve(r, rel);
      const dir = await fs.realpath(path.dirname(abs)).catch(() => undefined);
      if (!dir) continue;
      if (dir !== r && !dir.startsWith(r + path.sep)) throw new BootRootEscapeError(`${path.dirname(rel)} resolves outside the boot root`);
      try {
        await fs.unlink(path.join(dir, path.basename(abs)));
        removed.push(rel);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
  return removed;
}

/** The configs a MAC without one of its own boots: pxelinux's `default` and ipxe.cfg/default (chained by boot.ipxe). */
export const DEFAULT_BOOT_FILES = ['pxelinux.cfg/default', 'ipxe.cfg/default'] as const;

/** Writes the discovery boot as the default config (stages kernel and ramdisk); returns the files. */
export async function writeDefaultBootConfig(
  root: string,
  input: { boot: Extract<BootSpec, { kind: 'discover' }> } & RenderOptions,
): Promise<string[]> {
  const r = await realRoot(root);
  const { kernelFile, ramdiskFile, ...rest } = input.boot;
  renderPxelinuxConfig({ ...rest, kernel: 'x', ramdisk: 'x' });
  const config: BootConfig = { ...rest, kernel: await stage(r, kernelFile, 'kernel'), ramdisk: await stage(r, ramdiskFile, 'ramdisk') };
  const [pxe, ipxe] = DEFAULT_BOOT_FILES;
  await writeAtomic(await safeTarget(r, pxe), renderPxelinuxConfig(config));
  await writeAtomic(await safeTarget(r, ipxe), renderIpxeScript(config, { httpBootUrl: input.httpBootUrl }));
  return [...DEFAULT_BOOT_FILES];
}

/**
 * Removes the default configs Ironflow wrote (discovery off): unknown MACs then find nothing to boot.
 * A default config someone else wrote (no "Generated by Ironflow" line) is left alone.
 */
export async function removeDefaultBootConfig(root: string): Promise<string[]> {
  const r = await realRoot(root);
  const removed: string[] = [];
  for (const rel of DEFAULT_BOOT_FILES) {
    const text = await fs.readFile(path.join(r, rel), 'utf8').catch(() => undefined);
    if (text === undefined || !text.includes('# Generated by Ironflow.')) continue;
    await fs.rm(path.join(r, rel), { force: true });
    removed.push(rel);
  }
  return removed;
}
