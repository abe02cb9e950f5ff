// A ramdisk that calls back before the workflow starts waiting (a fast boot while
// the power-on step is still running) must not be lost. Forced here: the BMC goes
// silent during power-on, the "ramdisk" calls back through the API meanwhile, then
// the BMC answers again. Real parts: ipmi_sim behind a UDP relay, tgtd, qemu-img.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { api, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';
import { startTgtd, type Tgtd } from '../support/tgtd';
import { openValue } from '#prisma/sealed-json';

const MiB = 1024 * 1024;

describe('early ramdisk callback', () => {
  let stack: TestStack;
  let bmc: Bmc;
  let relay: UdpRelay;
  let tgtd: Tgtd;
  let work: string;
  let server: http.Server;
  const image = crypto.randomBytes(2 * MiB);

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-early-'));
    stack = await startStack({ callbackTimeoutSec: 20 });
    bmc = await startBmc({ power: 0 });
    relay = await startUdpRelay({ targetAddress: bmc.address, targetPort: bmc.port });
    tgtd = await startTgtd(work);
    server = http.createServer((_req, res) => res.end(image));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  after(async () => {
    await stack.stop();
    await tgtd.stop();
    await relay.close();
    await bmc.stop();
    server.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('a ready callback that arrives during power-on is acted on when the workflow gets there', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/img`;
    const r = await api(stack, 'POST', '/v1/nodes', {
      driver: 'ipmi',
      automated_clean: false,
      driver_info: { ipmi_address: relay.address, ipmi_port: relay.port, ipmi_username: bmc.username, ipmi_password: bmc.password },
      instance_info: { image_source: url, image_checksum: `sha256:${crypto.createHash('sha256').update(image).digest('hex')}` },
    });
    const id = r.body.uuid;
    await api(stack, 'POST', '/v1/ports', { address: '52:54:00:ee:00:01', node_uuid: id });
    for (const [target, want] of [
      ['manage', 'manageable'],
      ['provide', 'available'],
    ]) {
      await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
      await waitFor(async () => (await api(stack, 'GET', `/v1/nodes/${id}`)).body.provision_state === want, 60_000, want);
    }
    // The deploy starts; once its deployment exists, the BMC falls silent (power-on stalls).
    await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target: 'active' });
    const dep = await waitFor(
      () => stack.db.deployment.findFirst({ where: { nodeUuid: id } }).then((d) => d ?? undefined),
      60_000,
      'deployment',
    );
    relay.dead = true;
    // The "ramdisk" exports a real target with this deployment's CHAP credentials and calls back now.
    const chap = JSON.parse(openValue(dep.chap!, stack.cfg.keys)) as { user: string; secret: string };
    const iqn = `iqn.2026-11.dev.ironflow:${id}`;
    const target = await tgtd.addTarget({ iqn, sizeBytes: 8 * MiB, chap });
    const secret = openValue(dep.secret, stack.cfg.keys);
    const cb = await api(
      stack,
      'POST',
      `/v1/deployments/${dep.id}/callback`,
      { seq: 1, event: 'ready', address: '127.0.0.1', port: tgtd.port, iqn },
      { 'X-Ironflow-Secret': secret },
    );
    assert.equal(cb.status, 200, cb.text);
    await new Promise((res) => setTimeout(res, 3000));
    relay.dead = false;
    // Tell the workflow's poll for `done` that the ramdisk fetched it.
    const poller = setInterval(() => {
      void api(
        stack,
        'POST',
        `/v1/deployments/${dep.id}/callback`,
        { seq: Date.now(), event: 'poll' },
        { 'X-Ironflow-Secret': secret },
      ).catch(() => undefined);
    }, 200);
    try {
      const n = await waitFor(
        async () => {
          const b = (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
          if (b.provision_state === 'deploy failed') throw new Error(b.last_error);
          return b.provision_state === 'active' ? b : undefined;
        },
        120_000,
        'active',
      );
      assert.equal(n.last_error, null);
    } finally {
      clearInterval(poller);
    }
    const disk = Buffer.alloc(image.length);
    const fd = fs.openSync(target.backingFile, 'r');
    fs.readSync(fd, disk, 0, disk.length, 0);
    fs.closeSync(fd);
    assert.ok(disk.equals(image), 'the image was written to the target the early callback named');
    const op = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
    assert.ok(!op.steps.some((s: any) => s.name === 'no callback: PXE boot again'), 'no PXE retry was needed');
  });
});
