// `npm run demo-image`: a small demo OS image (raw and qcow2) in the image store
// that file:// sources may use, and the commands that deploy it onto a lab node.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '#apps/shared/repo-root';
import { makeDemoImage } from '#test/lab/demo-image';

const dataDir = process.env.IRONFLOW_DATA_DIR ?? path.join(repoRoot(), '.data');
const store = process.env.IRONFLOW_IMAGE_DIR ?? path.join(dataDir, 'image-store');
fs.mkdirSync(store, { recursive: true });
const raw = path.join(store, 'demo.raw');
const qcow = path.join(store, 'demo.qcow2');
fs.writeFileSync(raw, makeDemoImage({ sizeBytes: 64 * 1024 * 1024, marker: `Ironflow demo OS built ${new Date().toISOString()}` }));
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
