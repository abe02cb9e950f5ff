// `npm run demo-image`: a small demo OS image (raw and qcow2) in the image store
// that file:// sources may use, and the commands that deploy it onto a lab node.
//   npm run demo-image                 a 64 MiB stand-in (random bytes + a marker) for the simulated lab
//   npm run demo-image -- --bootable   the real demo OS (demo-os/build.sh: boots under BIOS and UEFI,
//                                      reads the config drive, SSH with the drive's keys)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '#apps/shared/repo-root';
import { makeDemoImage } from '#test/lab/demo-image';

const bootable = process.argv.includes('--bootable');
const unknown = process.argv.slice(2).filter((a) => a !== '--bootable');
if (unknown.length) {
  console.error(`demo-image: unknown argument ${unknown.join(' ')} (usage: npm run demo-image [-- --bootable])`);
  process.exit(2);
}
const dataDir = process.env.IRONFLOW_DATA_DIR ?? path.join(repoRoot(), '.data');
const store = process.env.IRONFLOW_IMAGE_DIR ?? path.join(dataDir, 'image-store');
fs.mkdirSync(store, { recursive: true });
const name = bootable ? 'demo-os' : 'demo';
const raw = path.join(store, `${name}.raw`);
const qcow = path.join(store, `${name}.qcow2`);
if (bootable) {
  // Built once and cached in .cache/demo-os (rebuilt when its inputs or package versions change).
  const out = execFileSync('bash', [path.join(repoRoot(), 'demo-os', 'build.sh')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const disk = /^disk: (.*)$/m.exec(out)?.[1];
  if (!disk) throw new Error(`demo-os/build.sh printed no disk: ${out}`);
  fs.copyFileSync(disk, raw);
} else {
  fs.writeFileSync(raw, makeDemoImage({ sizeBytes: 64 * 1024 * 1024, marker: `Ironflow demo OS built ${new Date().toISOString()}` }));
}
execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
const sum = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
console.log(`demo images in ${store}:
  ${raw}  sha256:${sum(raw)}
  ${qcow}  sha256:${sum(qcow)}

deploy the qcow2 onto lab-0:
  export OS_ENDPOINT=http://127.0.0.1:${process.env.IRONFLOW_API_PORT ?? 6385} OS_AUTH_TYPE=none
  baremetal node set lab-0 --instance-info image_source=file://${qcow} --instance-info image_checksum=sha256:${sum(qcow)}
  baremetal node deploy lab-0 --wait 300
  cat ${path.join(dataDir, 'lab', 'lab-0', 'boot.json')}`);
if (bootable) {
  console.log(`
boot it in a VM (BIOS; for UEFI add -drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
and -drive if=pflash,format=raw,file=<a copy of /usr/share/OVMF/OVMF_VARS_4M.fd>):
  qemu-system-x86_64 -m 512 -nographic -drive file=<a copy of ${raw}>,format=raw,if=virtio \\
    -netdev user,id=n0,hostfwd=tcp:127.0.0.1:2222-:22 -device virtio-net-pci,netdev=n0
  (SSH takes the keys of a config drive labelled config-2: attach one as a second disk)`);
}
