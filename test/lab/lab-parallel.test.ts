// Several lab nodes deploy at once: each has its own tgtd (portal port and
// control channel), and each disk ends up with its own image.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { waitFor } from '../support/procs';
import { startControlPlaneStub, type ControlPlaneStub } from './control-plane-stub';
import { makeDemoImage } from './demo-image';
import { ipmitool } from './ipmitool';
import { startLab, type Lab } from './lab';
import { prepareTftpRoot, writeDeployConfig } from './pxe-fixture';

const MiB = 1024 * 1024;
const N = 3;

describe('lab: parallel iSCSI deploys', () => {
  let lab: Lab;
  let cp: ControlPlaneStub;
  let work: string;
  const secret = crypto.randomBytes(16).toString('hex');

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-parallel-'));
    cp = await startControlPlaneStub({ secret });
    lab = await startLab({
      nodes: N,
      dir: path.join(work, 'lab'),
      diskSize: 32 * MiB,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100' },
    });
    prepareTftpRoot(lab.tftpRoot);
  });
  after(async () => {
    await lab?.stop();
    await cp?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test(`${N} nodes: all ready, each written, all powered off after done`, async () => {
    const chap = lab.nodes.map(() => crypto.randomBytes(12).toString('hex'));
    lab.nodes.forEach((n, i) =>
      writeDeployConfig(lab.tftpRoot, n.mac, {
        deployment: `par-${i}`,
        secret,
        callback: cp.url(`par-${i}`),
        mode: 'iscsi',
        iqn: `iqn.2026-11.org.ironflow:par-${i}`,
        chapUser: `u${i}`,
        chapSecret: chap[i],
      }),
    );
    const t0 = Date.now();
    await Promise.all(
      lab.nodes.map(async (n) => {
        await ipmitool(n.bmc, 'chassis', 'bootdev', 'pxe');
        await ipmitool(n.bmc, 'power', 'on');
      }),
    );
    const readies = await Promise.all(lab.nodes.map((_, i) => cp.waitFor('ready', 30000, (c) => c.body.deployment === `par-${i}`)));
    console.log(`# ${N} lab nodes power-on → all ready: ${Math.max(...readies.map((r) => r.at)) - t0} ms`);
    assert.equal(new Set(readies.map((r) => r.body.port)).size, N, 'one portal per node');
    assert.equal(new Set(lab.nodes.map((n) => n.tgtControl)).size, N, 'one tgtd control channel per node');
    const imgs = lab.nodes.map((n) => makeDemoImage({ sizeBytes: 2 * MiB, marker: `image for ${n.name}` }));
    await Promise.all(
      lab.nodes.map(async (n, i) => {
        const raw = path.join(work, `${n.name}.raw`);
        const secretFile = path.join(work, `${n.name}.chap`);
        fs.writeFileSync(raw, imgs[i]!);
        fs.writeFileSync(secretFile, chap[i]!, { mode: 0o600 });
        await runCommand({
          file: 'qemu-img',
          args: [
            'convert',
            '-n',
            '--object',
            `secret,id=c,file=${secretFile}`,
            '-f',
            'raw',
            raw,
            '--target-image-opts',
            `driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=127.0.0.1:${String(readies[i]!.body.port)},file.target=${String(readies[i]!.body.iqn)},file.lun=1,file.user=u${i},file.password-secret=c`,
          ],
          timeoutMs: 60000,
        });
      }),
    );
    cp.decide = (cb) => ({ command: cb.event === 'poll' ? 'done' : 'wait' });
    await waitFor(async () => lab.nodes.every((n) => n.power() === 'off'), 15000, 'all nodes off');
    lab.nodes.forEach((n, i) => {
      assert.equal(n.ramdiskExit(), 0);
      assert.ok(fs.readFileSync(n.diskPath).subarray(0, imgs[i]!.length).equals(imgs[i]!), `${n.name} holds its own image`);
    });
  });
});
