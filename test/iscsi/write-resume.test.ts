// The deploy's iSCSI write activity (writeImageToNode) under MockActivityEnvironment:
// it heartbeats how far it got and, run again with those heartbeat details (what
// Temporal hands a retry), resumes there: the bytes before are not written again.
// Real tgtd, real qemu-img; the two look-ups around the write (the deployment's CHAP
// credentials, the node's link to the cached image) are answered by small stand-ins.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDiskActivities } from '#activities/deploy/disk-activities';
import type { DeployActivityDeps } from '#activities/deploy/deploy-deps';
import { startTgtd, type Tgtd, type TgtdTarget } from '../support/tgtd';
import { sha256OfFile, sha256OfRange, writeRandomFile } from './helpers';

const MiB = 1024 * 1024;
const CHAP = { user: 'ironflow', secret: 'Resume-Secret-0815abc' };

describe('writeImageToNode resumes from its heartbeat details', () => {
  let dir: string;
  let tgtd: Tgtd;
  let image: string;
  let n = 0;
  const target = () => tgtd.addTarget({ iqn: `iqn.2026-12.org.ironflow:resume-${process.pid}-${n++}`, sizeBytes: 32 * MiB, chap: CHAP });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-resume-'));
    tgtd = await startTgtd(dir);
    image = path.join(dir, 'image.raw');
    writeRandomFile(image, 12 * MiB + 512);
  });
  after(async () => {
    await tgtd?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  type WriteResult = Awaited<ReturnType<ReturnType<typeof createDiskActivities>['writeImageToNode']>>;
  function activity() {
    const deps = {
      deployments: { secrets: async () => ({ secret: 'unused', chap: CHAP, imageToken: null }) },
      cache: { linkFor: async () => image },
    } as unknown as DeployActivityDeps;
    return createDiskActivities(deps).writeImageToNode;
  }
  const args = (t: TgtdTarget) => ({
    nodeUuid: 'n1',
    deploymentId: 'd1',
    imageKey: 'k',
    address: t.portal.address,
    port: t.portal.port,
    iqn: t.iqn,
  });

  test('a first attempt writes from 0 and heartbeats its progress up to the image size', async () => {
    const t = await target();
    writeRandomFile(t.backingFile, 32 * MiB);
    const env = new MockActivityEnvironment({ attempt: 1 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const r: WriteResult = await env.run(activity(), args(t));
    assert.equal(r.resumedFrom, 0);
    assert.equal(r.bytesWritten, 12 * MiB + 512);
    assert.deepEqual(beats.at(-1), { bytesWritten: 12 * MiB + 512 });
    assert.equal(sha256OfRange(t.backingFile, 0, 12 * MiB + 512), sha256OfFile(image));
  });

  test('a retry with heartbeat details { bytesWritten } writes only the rest', async () => {
    const t = await target();
    writeRandomFile(t.backingFile, 32 * MiB); // what a previous attempt "wrote": not the image
    const prefix = sha256OfRange(t.backingFile, 0, 8 * MiB);
    const env = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: { bytesWritten: 8 * MiB } });
    const r: WriteResult = await env.run(activity(), args(t));
    assert.equal(r.resumedFrom, 8 * MiB);
    assert.equal(r.bytesWritten, 12 * MiB + 512);
    assert.equal(sha256OfRange(t.backingFile, 0, 8 * MiB), prefix, 'the first 8 MiB were not written again');
    assert.equal(
      sha256OfRange(t.backingFile, 8 * MiB, 4 * MiB + 512),
      sha256OfRange(image, 8 * MiB, 4 * MiB + 512),
      'the rest is the image',
    );
  });
});
