// Where a node's own boot files may come from. driver_info.deploy_kernel/
// deploy_ramdisk and instance_info.kernel/ramdisk are user input, and whatever
// they name is copied into the TFTP root, where any host on the provisioning
// network can read it: left alone, deploy_kernel=/etc/shadow would publish the
// worker's password hashes. So a user-given file must really be (symlinks
// resolved) a regular file inside one of the allowed directories: the image
// directory and the directories of the configured default deploy kernel and
// ramdisk. The configured defaults themselves are the operator's, and trusted.
import fs from 'node:fs/promises';
import path from 'node:path';
import { bootFileFaultText, isBootFileFault, readBootFile } from '#workflows/domain/image-refs';
import { InvalidBootParameterError } from '../pxe';

/** The path a file:// URL or absolute path names, percent-decoded. */
function pathOf(field: string, value: string): string {
  const ref = readBootFile(value);
  if (isBootFileFault(ref)) throw new InvalidBootParameterError(bootFileFaultText(field, value, ref));
  return ref.path;
}

async function realDirs(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const d of dirs) {
    const r = await fs.realpath(d).catch(() => undefined);
    if (r) out.push(r);
  }
  return out;
}

/**
 * The real path of the boot file `value` names (fallback when it is unset),
 * refusing anything outside `allowedDirs`. Throws InvalidBootParameterError,
 * which fails the deploy without retries and names the field.
 */
export async function resolveBootFile(field: string, value: unknown, fallback: string, allowedDirs: readonly string[]): Promise<string> {
  if (value === undefined || value === null || value === '') return fallback;
  const wanted = pathOf(field, value as string);
  const dirs = await realDirs(allowedDirs);
  let real: string;
  try {
    real = await fs.realpath(wanted);
  } catch {
    throw new InvalidBootParameterError(
      `${field} ${JSON.stringify(value)} does not exist on the worker: copy the file into the image directory (IRONFLOW_IMAGE_DIR)`,
    );
  }
  if (!dirs.some((d) => real.startsWith(d + path.sep))) {
    throw new InvalidBootParameterError(
      `${field} ${JSON.stringify(value)} is outside the directories boot files may come from (${allowedDirs.join(', ')}): copy the file into the image directory (IRONFLOW_IMAGE_DIR)`,
    );
  }
  if (!(await fs.stat(real)).isFile()) throw new InvalidBootParameterError(`${field} ${JSON.stringify(value)} is not a regular file`);
  return real;
}

/** The directories user-given boot files may come from, for a worker's configuration. */
export function bootFileDirs(c: { imageDir?: string; deployKernel: string; deployRamdisk: string }): string[] {
  return [...new Set([c.imageDir, path.dirname(c.deployKernel), path.dirname(c.deployRamdisk)].filter((d): d is string => !!d))];
}
