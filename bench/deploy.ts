// Deploy benchmark: end-to-end iscsi deploys of a qcow2 image to lab nodes (cold and warm cache, per-step times), the write step against plain qemu-img, N concurrent deploys (one download, one conversion), peak memory.
//
//   npm run bench -- deploy [--size-mib 1024] [--concurrent 5] [--json]
//   node .build/<name>/bench/deploy.js ...   (the same, from a private build)
//
// Everything runs in this process as in test/deploy/deploy-lifecycle.test.ts: a Temporal
// dev server (its own unless IRONFLOW_TEST_TEMPORAL_ADDRESS is set), a SQLite database,
// the worker and the API; the lab's ipmi_sim BMCs and simulated servers PXE-boot the
// deploy ramdisk logic, which exports each node's disk file with tgtd. The callback
// timeout is 120 s (a lost callback costs one PXE retry after 2 min, not 10).
//
//   1. cold: the first deploy downloads, verifies and converts the image (qcow2 → raw);
//      warm: a second node deploys the same image from the cache.
//   2. The write step's throughput (bytes / step duration) beside plain
//      `qemu-img convert -n` of the cache's raw image to a fresh tgtd target of the same size
//      (median of 3 rounds, each to a fresh target).
//   3. The cache is emptied; --concurrent nodes deploy at once: wall time, GETs the image
//      server saw, and what each deploy's cacheImage activity did (from Temporal history).
//   4. rss and heapUsed of this process, every 100 ms, before and during the deploys.
//
// Measured on the 2-core shared dev box (2026-11-21, load 5-35 from other work), 1 GiB image,
// four runs: cold deploy 19.8-41.3 s (cache 8.8-14.2 s of which download 4.7-7.8 s, write
// 6.6-18.6 s, verify 2.3-6.2 s); warm 12.3-20.6 s; write step / plain qemu-img 0.71-1.58 cold,
// 0.87-1.29 warm (plain itself varies ±20% round to round here); 5 concurrent: one GET, one
// conversion, 57-80 s per deploy when no callback is lost; peak rss +51-121 MiB over a
// 275-293 MiB baseline.
// Callbacks that arrive before the workflow starts waiting for them are dropped (see
// RamdiskSession.waitFor): such a deploy waits the whole callback timeout and PXE-boots again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type TestStack } from '#test/support/stack';
import { startLab, type Lab } from '#test/lab/lab';
import { Cleanups } from './lib/cleanups';
import { machineInfo } from './lib/machine';
import { DEPLOY_BENCH_USAGE, DeployBenchUsageError, parseDeployBenchArgs, type DeployBenchArgs } from './lib/deploy-args';
import { benchImage } from './lib/deploy-image';
import { startCountingFileServer } from './lib/deploy-image-server';
import { MemorySampler } from './lib/deploy-memory';
import { plainQemuImgWrite } from './lib/deploy-plain';
import { formatDeployBench, type DeployBenchResult, type MemoryFigures } from './lib/deploy-report';
import { deployAndTime, enrollAvailable, writeStepMiBps } from './lib/deploy-run';
import { formatOverheadBench, runOverheadBench } from './lib/deploy-overhead';

export { formatDeployBench };

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const IMAGE_NAME = 'bench.qcow2';

export async function runDeployBench(
  args: DeployBenchArgs,
  log: (line: string) => void = () => undefined,
  cleanups = new Cleanups(log),
): Promise<DeployBenchResult> {
  const machine = machineInfo();
  const sizeBytes = args.sizeMiB * MiB;
  // ≥ 1.1 × the image, whole MiB: room for the image and then some, as a real disk has.
  const diskBytes = Math.ceil((sizeBytes * 1.125) / MiB) * MiB;
  const deployTimeoutMs = 60 * 60_000;
  try {
    log(`image: ${args.sizeMiB} MiB ...`);
    const image = await benchImage(args.sizeMiB);
    log(`image: ${image.generated ? 'generated' : 'reused'} ${image.qcow2Path} (${Math.round(image.qcow2Bytes / MiB)} MiB qcow2)`);

    const server = await startCountingFileServer();
    cleanups.add('image server', () => server.stop());
    server.serve(IMAGE_NAME, image.qcow2Path);
    const source = { url: server.url(IMAGE_NAME), sha256: image.qcow2Sha256 };

    log('starting Temporal, database, worker and API ...');
    const stack: TestStack = await startStack({ automatedClean: 'none', callbackTimeoutSec: 120 });
    cleanups.add('stack (API, worker, database, Temporal)', () => stack.stop());
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dbench-'));
    cleanups.add(`work dir ${work}`, () => fs.rmSync(work, { recursive: true, force: true }));
    const nodeCount = 2 + args.concurrent;
    log(`starting ${nodeCount} lab nodes with ${Math.round(diskBytes / MiB)} MiB disks ...`);
    const lab: Lab = await startLab({
      nodes: nodeCount,
      dir: path.join(work, 'lab'),
      tftpRoot: stack.data.bootRoot,
      diskSize: diskBytes,
      ramdiskEnv: { IRONFLOW_POLL_INTERVAL: '0.2', IRONFLOW_BACKOFF_MS: '100', IRONFLOW_BACKOFF_MAX_MS: '1000' },
    });
    cleanups.add('lab (BMCs, tftpd, node servers, tgtds)', () => lab.stop());
    const localGb = Math.max(1, Math.floor(diskBytes / GiB));
    const ids = await Promise.all(lab.nodes.map((n) => enrollAvailable(stack, n, source, localGb)));
    log(`${ids.length} nodes available`);

    const mem = new MemorySampler(100);
    const baseline = mem.now();
    const phases: MemoryFigures['phases'] = [];
    let peakRss = 0;
    let peakHeap = 0;
    const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      log(`${name} ...`);
      mem.reset();
      mem.start();
      try {
        return await fn();
      } finally {
        const p = mem.stop();
        phases.push({ name, peakRssBytes: p.peakRssBytes, peakHeapUsedBytes: p.peakHeapUsedBytes });
        peakRss = Math.max(peakRss, p.peakRssBytes);
        peakHeap = Math.max(peakHeap, p.peakHeapUsedBytes);
      }
    };

    const cold = await phase('cold deploy', () => deployAndTime(stack, ids[0], lab.nodes[0].name, deployTimeoutMs));
    const coldDownloadMs = server.sendTimes(IMAGE_NAME)[0] ?? null;
    log(`cold deploy: ${(cold.totalMs / 1000).toFixed(1)} s`);
    const warm = await phase('warm deploy', () => deployAndTime(stack, ids[1], lab.nodes[1].name, deployTimeoutMs));
    log(`warm deploy: ${(warm.totalMs / 1000).toFixed(1)} s`);

    log('plain qemu-img convert -n to a fresh tgtd target ...');
    // The very file the deploys wrote from (the cache's raw copy): same bytes, same page-cache state.
    const key = `sha256-${image.qcow2Sha256}`;
    const cachedRaw = path.join(stack.data.imageCacheRoot, 'objects', key, 'disk.raw');
    let plainTarget = '';
    const plain = await plainQemuImgWrite(fs.existsSync(cachedRaw) ? cachedRaw : image.rawPath, diskBytes, (name, stop) => {
      plainTarget = name;
      cleanups.add(name, stop);
    });
    await cleanups.runOne(plainTarget);
    log(`plain: ${plain.MiBps.toFixed(0)} MiB/s`);

    // Empty the cache so the concurrent deploys start cold (every pin was released above).
    fs.rmSync(path.join(stack.data.imageCacheRoot, 'objects', key), { recursive: true, force: true });
    server.resetCounts();
    const group = ids.slice(2);
    const t0 = process.hrtime.bigint();
    const deploys = await phase(`${group.length} concurrent`, () =>
      Promise.all(group.map((id, i) => deployAndTime(stack, id, lab.nodes[2 + i].name, deployTimeoutMs))),
    );
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    log(`${group.length} concurrent deploys: ${(wallMs / 1000).toFixed(1)} s`);

    const coldMiBps = writeStepMiBps(cold);
    const warmMiBps = writeStepMiBps(warm);
    const ratio = (x: number | null) => (x === null ? null : Math.round((x / plain.MiBps) * 100) / 100);
    return {
      machine,
      sizeMiB: args.sizeMiB,
      qcow2Bytes: image.qcow2Bytes,
      imageGenerated: image.generated,
      diskBytes,
      downloadMs: { cold: coldDownloadMs, concurrent: server.sendTimes(IMAGE_NAME)[0] ?? null },
      cold,
      warm,
      write: { coldMiBps, warmMiBps, plain, ratioCold: ratio(coldMiBps), ratioWarm: ratio(warmMiBps) },
      concurrent: {
        nodes: group.length,
        wallMs,
        deploys,
        imageGets: server.gets(IMAGE_NAME),
        downloads: deploys.filter((d) => d.cache?.downloaded).length,
        conversions: deploys.filter((d) => d.cache?.converted).length,
      },
      memory: {
        baselineRssBytes: baseline.rssBytes,
        baselineHeapUsedBytes: baseline.heapUsedBytes,
        phases,
        peakRssBytes: peakRss,
        peakHeapUsedBytes: peakHeap,
      },
    };
  } finally {
    const failed = await cleanups.runAll();
    if (failed.length) log(`cleanup problems: ${failed.join('; ')}`);
  }
}

if (require.main === module) {
  let args: DeployBenchArgs;
  try {
    args = parseDeployBenchArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof DeployBenchUsageError)) throw e;
    console.error(e.message);
    process.exit(2);
  }
  if (args.help) {
    console.log(DEPLOY_BENCH_USAGE);
    process.exit(0);
  }
  const log = (line: string) => console.error(`# ${line}`);
  const cleanups = new Cleanups(log);
  const off = cleanups.onSignals();
  const overhead = args.overhead;
  (overhead
    ? runOverheadBench({ sizeMiB: args.sizeMiB, rounds: overhead.rounds }, log, cleanups).then(
        (r) => formatOverheadBench(r) + (args.json ? `\n${JSON.stringify(r)}` : ''),
      )
    : runDeployBench(args, log, cleanups).then((r) => formatDeployBench(r) + (args.json ? `\n${JSON.stringify(r)}` : ''))
  )
    .then((text) => console.log(text))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exitCode = 1;
    })
    .finally(() => {
      off();
      // Temporal's native runtime keeps the event loop alive; everything was stopped by PID above.
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    });
}
