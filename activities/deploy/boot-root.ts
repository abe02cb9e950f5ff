// Makes the TFTP boot root bootable: pxelinux.0 and ldlinux.c32 from Debian's
// pxelinux and syslinux-common packages, copied once (idempotent).
import fs from 'node:fs';
import path from 'node:path';

const FILES: [string, string][] = [
  ['/usr/lib/PXELINUX/pxelinux.0', 'pxelinux.0'],
  ['/usr/lib/syslinux/modules/bios/ldlinux.c32', 'ldlinux.c32'],
];

export function prepareBootRoot(root: string): string[] {
  fs.mkdirSync(path.join(root, 'pxelinux.cfg'), { recursive: true });
  const missing: string[] = [];
  for (const [src, name] of FILES) {
    const dst = path.join(root, name);
    if (fs.existsSync(dst)) continue;
    if (!fs.existsSync(src)) {
      missing.push(src);
      continue;
    }
    fs.copyFileSync(src, `${dst}.tmp`);
    fs.renameSync(`${dst}.tmp`, dst);
  }
  return missing;
}
