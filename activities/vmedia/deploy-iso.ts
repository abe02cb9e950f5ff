// Builds a node's virtual-media deploy ISO with Debian's tools and keeps it where the
// site worker's image server serves it:
//
//   <dir>/<node uuid>-<sha256>.iso   one per node and content (0600: it holds the deployment
//                                    secret, as the PXE config does); the hash covers kernel,
//                                    ramdisk and command line, so building twice is a no-op
//   <dir>/.loader/efiboot.img        the EFI El Torito image (FAT: EFI/BOOT/BOOTX64.EFI, GRUB
//                                    from grub-mkstandalone), the same for every ISO
//
//   ISO: isolinux/{isolinux.bin,ldlinux.c32,isolinux.cfg}  BIOS El Torito (isolinux)
//        boot/efiboot.img, boot/grub/grub.cfg              UEFI El Torito (GRUB)
//        ironflow/{kernel,ramdisk,vmedia.marker}
//
// Secrets stay off argv: the command line is written into the config files, never passed
// to a tool. Every file lands by temp name + rename; a crash leaves only temp names behind.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { runCommand } from '../shared/command-runner';
import { InvalidBootParameterError } from '../pxe';
import { isoKernelParams, renderGrubConfig, renderGrubEmbeddedConfig, renderIsolinuxConfig, type DeployIsoParams } from './render';

/** Debian's files (isolinux, syslinux-common): BIOS boot of the ISO, and its hybrid MBR. */
export const ISO_BOOT_FILES = {
  isolinux: '/usr/lib/ISOLINUX/isolinux.bin',
  ldlinux: '/usr/lib/syslinux/modules/bios/ldlinux.c32',
  isohdpfx: '/usr/lib/ISOLINUX/isohdpfx.bin',
} as const;

/** Bumped when the ISO's layout changes: the same inputs then get a new name. */
const FORMAT = 'ironflow-vmedia-1';
const GRUB_MODULES = 'linux normal iso9660 search search_fs_file configfile part_gpt part_msdos fat echo test all_video efi_gop efi_uga';
const ISO_NAME = /^([0-9a-f-]{36})-([0-9a-f]{64})\.iso$/;

export interface DeployIso {
  /** File name in the vmedia dir (also the last segment of its URL). */
  name: string;
  path: string;
  /** False when an ISO with this content was already there. */
  built: boolean;
}

async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function tmpName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
}

async function exists(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => undefined))?.isFile() ?? false;
}

/** The EFI El Torito image, built once per vmedia dir (GRUB with its config built in). */
async function efiBootImage(dir: string): Promise<string> {
  const loaderDir = path.join(dir, '.loader');
  const img = path.join(loaderDir, 'efiboot.img');
  if (await exists(img)) return img;
  await fs.mkdir(loaderDir, { recursive: true, mode: 0o700 });
  const work = await fs.mkdtemp(path.join(loaderDir, '.build-'));
  try {
    const cfg = path.join(work, 'embedded.cfg');
    await fs.writeFile(cfg, renderGrubEmbeddedConfig());
    const efi = path.join(work, 'BOOTX64.EFI');
    await runCommand({
      file: 'grub-mkstandalone',
      args: [
        '-O',
        'x86_64-efi',
        '--install-modules',
        GRUB_MODULES,
        '--modules',
        'iso9660 search search_fs_file configfile normal linux',
        '--locales=',
        '--fonts=',
        '-o',
        efi,
        `boot/grub/grub.cfg=${cfg}`,
      ],
      timeoutMs: 120_000,
    });
    const size = (await fs.stat(efi)).size;
    // FAT12/16 with room for the loader (1 MiB slack), in whole MiB.
    const mib = Math.ceil(size / 2 ** 20) + 1;
    const fat = path.join(work, 'efiboot.img');
    await fs.writeFile(fat, Buffer.alloc(0));
    await fs.truncate(fat, mib * 2 ** 20);
    await runCommand({ file: 'mkfs.vfat', args: ['-n', 'IRONFLOWEFI', fat], timeoutMs: 60_000 });
    await runCommand({ file: 'mmd', args: ['-i', fat, '::/EFI', '::/EFI/BOOT'], timeoutMs: 60_000 });
    await runCommand({ file: 'mcopy', args: ['-i', fat, efi, '::/EFI/BOOT/BOOTX64.EFI'], timeoutMs: 60_000 });
    await fs.rename(fat, img);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  return img;
}

/**
 * The node's deploy ISO for these parameters: built unless an ISO with the same content is
 * there already. Parameters are checked before anything is written.
 */
export async function buildDeployIso(
  dir: string,
  i: { nodeUuid: string; kernelFile: string; ramdiskFile: string; params: DeployIsoParams },
): Promise<DeployIso> {
  if (!/^[0-9a-f-]{36}$/.test(i.nodeUuid)) throw new InvalidBootParameterError(`node uuid ${JSON.stringify(i.nodeUuid)} is not a UUID`);
  const params = isoKernelParams(i.params);
  for (const [what, f] of [
    ['kernel', i.kernelFile],
    ['ramdisk', i.ramdiskFile],
  ] as const) {
    if (!(await exists(f))) throw new InvalidBootParameterError(`${what} file ${f} does not exist or is not a regular file`);
  }
  for (const f of Object.values(ISO_BOOT_FILES)) {
    if (!(await exists(f))) throw new Error(`${f} is missing: apt-get install isolinux syslinux-common (scripts/setup.sh)`);
  }
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const key = crypto
    .createHash('sha256')
    .update([FORMAT, await sha256File(i.kernelFile), await sha256File(i.ramdiskFile), params.join(' ')].join('\n'))
    .digest('hex');
  const name = `${i.nodeUuid}-${key}.iso`;
  const out = path.join(dir, name);
  if (await exists(out)) return { name, path: out, built: false };

  const efiImg = await efiBootImage(dir);
  const stage = await fs.mkdtemp(path.join(dir, '.stage-'));
  const tmp = tmpName(out);
  try {
    for (const d of ['isolinux', 'boot/grub', 'ironflow']) await fs.mkdir(path.join(stage, d), { recursive: true });
    await fs.copyFile(ISO_BOOT_FILES.isolinux, path.join(stage, 'isolinux', 'isolinux.bin'));
    await fs.copyFile(ISO_BOOT_FILES.ldlinux, path.join(stage, 'isolinux', 'ldlinux.c32'));
    await fs.writeFile(path.join(stage, 'isolinux', 'isolinux.cfg'), renderIsolinuxConfig(params), { mode: 0o600 });
    await fs.writeFile(path.join(stage, 'boot', 'grub', 'grub.cfg'), renderGrubConfig(params), { mode: 0o600 });
    await fs.copyFile(efiImg, path.join(stage, 'boot', 'efiboot.img'));
    await fs.copyFile(i.kernelFile, path.join(stage, 'ironflow', 'kernel'));
    await fs.copyFile(i.ramdiskFile, path.join(stage, 'ironflow', 'ramdisk'));
    await fs.writeFile(path.join(stage, 'ironflow', 'vmedia.marker'), `${FORMAT}\n`);
    await runCommand({
      file: 'xorriso',
      args: [
        ...['-as', 'mkisofs', '-quiet', '-o', tmp, '-V', 'IRONFLOW_DEPLOY', '-R', '-J'],
        ...['-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat', '-no-emul-boot', '-boot-load-size', '4', '-boot-info-table'],
        ...['-eltorito-alt-boot', '-e', 'boot/efiboot.img', '-no-emul-boot'],
        ...['-isohybrid-mbr', ISO_BOOT_FILES.isohdpfx, '-isohybrid-gpt-basdat'],
        stage,
      ],
      timeoutMs: 300_000,
    });
    await fs.chmod(tmp, 0o600);
    await fs.rename(tmp, out);
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
    await fs.rm(tmp, { force: true });
  }
  return { name, path: out, built: true };
}

/** Removes the node's ISOs (undeploy, clean-up); returns the names removed. Missing is fine. */
export async function removeDeployIsos(dir: string, nodeUuid: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const n of names) {
    if (ISO_NAME.exec(n)?.[1] !== nodeUuid) continue;
    await fs.rm(path.join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}

/** The file behind a URL's last segment, or undefined when the name is not an ISO's name. */
export function deployIsoFile(dir: string, name: string): string | undefined {
  return ISO_NAME.test(name) ? path.join(dir, name) : undefined;
}
