// Makes the TFTP boot root bootable, for BIOS and UEFI PXE clients alike:
//
//   <root>/pxelinux.0, ldlinux.c32   BIOS PXE (Debian's pxelinux, syslinux-common)
//   <root>/snponly.efi, ipxe.efi     UEFI PXE: iPXE EFI binaries (Debian's ipxe)
//   <root>/boot.ipxe                 for iPXE clients: chains to ipxe.cfg/${mac:hexhyp}
//   <root>/pxelinux.cfg/, ipxe.cfg/  per-MAC configs (written per deploy by boot-files.ts)
//
// DHCP picks the first file by client architecture (docs/UEFI.md): option 93 = 7 or 9
// (x86-64 UEFI) gets snponly.efi (or ipxe.efi), user class "iPXE" gets boot.ipxe, anything
// else pxelinux.0. Idempotent: a file is (re)written only when missing or different, by
// temp file + rename, so a PXE client never reads half a file.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { renderIpxeChainScript } from '../pxe';

/** Static boot files: [source on this host, name in the root]. */
export const BOOT_ROOT_FILES: readonly (readonly [string, string])[] = [
  ['/usr/lib/PXELINUX/pxelinux.0', 'pxelinux.0'],
  ['/usr/lib/syslinux/modules/bios/ldlinux.c32', 'ldlinux.c32'],
  ['/usr/lib/ipxe/snponly.efi', 'snponly.efi'],
  ['/usr/lib/ipxe/ipxe.efi', 'ipxe.efi'],
];

function placeFile(dst: string, content: Buffer): void {
  const have = fs.existsSync(dst) ? fs.readFileSync(dst) : undefined;
  if (have?.equals(content)) return;
  const tmp = `${dst}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, content, { mode: 0o644 });
    fs.renameSync(tmp, dst);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Places the static boot files and boot.ipxe (chaining over HTTP when `httpBootUrl` serves the root);
 * returns the sources it could not find (their files are left out).
 */
export function prepareBootRoot(
  root: string,
  files: readonly (readonly [string, string])[] = BOOT_ROOT_FILES,
  httpBootUrl?: string,
  /** Discovery on: boot.ipxe falls back to ipxe.cfg/default for a MAC without a script. */
  discovery = false,
): string[] {
  fs.mkdirSync(path.join(root, 'pxelinux.cfg'), { recursive: true });
  fs.mkdirSync(path.join(root, 'ipxe.cfg'), { recursive: true });
  const missing: string[] = [];
  for (const [src, name] of files) {
    if (!fs.existsSync(src)) {
      missing.push(src);
      continue;
    }
    placeFile(path.join(root, name), fs.readFileSync(src));
  }
  placeFile(path.join(root, 'boot.ipxe'), Buffer.from(renderIpxeChainScript({ httpBootUrl, fallbackToDefault: discovery })));
  return missing;
}
