// deployNode's branches with stub activities (stub-worker.ts): step order, undo order,
// one PXE retry after a silent callback timeout, abort, and the late-timer grace.
// A case costs its activity round trips (tens of ms each against the dev server) and its
// short timers (the dev server fires a timer up to ~1 s late); the cases run concurrently.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import type { DeployInput } from '#workflows/contracts/deploy';
import { abortSignal } from '#workflows/contracts/deploy';
import { fails, type Behaviours } from './recording-activities';
import { lines, simulatedNode, startStubWorker, type RamdiskScript, type StubWorker } from './stub-worker';
import { waitFor } from '../support/procs';

const NODE = '11111111-2222-3333-4444-555555555555';
const ready = { event: 'ready' as const, address: '10.0.0.9', port: 3260, iqn: 'iqn.2026-12.org.ironflow:node' };
const answers: RamdiskScript = { onBoot: () => [ready] };

function input(rig: StubWorker, over: Partial<DeployInput> = {}): DeployInput {
  return {
    nodeUuid: NODE,
    actor: 'alice',
    requestId: 'req-1',
    fromState: 'available',
    viaState: 'deploying',
    target: 'active',
    hardwareQueue: rig.taskQueue,
    callbackTimeoutSec: 60,
    ...over,
  };
}

/** The power sequence of RamdiskSession.powerOff/powerOn. */
const OFF = ['setPower(off)', 'waitForPowerState(power off)', 'recordPowerState(power off)'];
const ON = ['setPower(on)', 'waitForPowerState(power on)', 'recordPowerState(power on)'];
const BOOT_RAMDISK = [
  'createDeployment',
  'writeDeployBootConfig',
  ...OFF,
  'setBootDevice(pxe)',
  ...ON,
  'moveProvisionState(wait call-back)',
];
/** The undo list after the ramdisk boot, newest first. */
const UNDO = [...OFF, 'removeBootConfigs', 'closeDeployment', 'releaseImage'];

/** Short timers: the dev server fires timers up to ~1 s late by itself, so "late" here means over 3 s. */
const LATE_TIMER: Partial<DeployInput> = { callbackTimeoutSec: 0.1, lateTimer: { lateMs: 3_000, graceMs: 30_000 } };

/** Timers the workflow has started so far (its history). */
async function timersStarted(rig: StubWorker, id: string): Promise<number> {
  const hist = await rig.client.workflow.getHandle(id).fetchHistory();
  return (hist.events ?? []).filter((e) => e.timerStartedEventAttributes).length;
}

function finish(calls: { name: string; args: unknown[] }[]) {
  const f = calls.filter((c) => c.name === 'finishOperation');
  assert.equal(f.length, 1, 'one finishOperation');
  return f[0]!.args[0] as { status: string; to: string; error?: string; from: string };
}

// Scenarios are keyed by workflow id on one stub worker: the cases run at once.
describe('deployNode with stub activities', { concurrency: true }, () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  const deploy = (run: { id: string }, over: Partial<DeployInput> = {}) =>
    rig.client.workflow.execute('deployNode', { taskQueue: rig.taskQueue, workflowId: run.id, args: [input(rig, over)] });

  test('iscsi: every step in order, the image released once, active', async () => {
    const node = simulatedNode(rig, { mode: 'iscsi', ramdisk: answers });
    await deploy(node.run);
    assert.deepEqual(node.run.unstubbed, []);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateDeploy',
      'step(deploy.deploy)',
      'cacheImage',
      ...BOOT_RAMDISK,
      'moveProvisionState(deploying)',
      'step(deploy.write_image)',
      'writeImageToNode',
      'verifyNodeImage',
      'step(deploy.tear_down_agent)',
      'setRamdiskCommand(done)',
      'waitDoneDelivered',
      'step(deploy.boot_instance)',
      'writeFinalBootConfig',
      'setBootDevice(disk)',
      ...OFF,
      ...ON,
      'closeDeployment',
      'releaseImage',
      'finishOperation(succeeded → active)',
    ]);
    const write = node.run.calls.find((c) => c.name === 'writeImageToNode')!.args[0];
    assert.deepEqual(write, {
      nodeUuid: NODE,
      deploymentId: 'dep-1',
      imageKey: 'img-key',
      address: ready.address,
      port: ready.port,
      iqn: ready.iqn,
    });
    assert.equal(finish(node.run.calls).from, 'deploying');
    assert.equal(node.ramdiskBoots(), 1);
  });

  test('a UEFI node: both boot-device requests (ramdisk, then disk) carry its boot mode; a BIOS node sends bios', async () => {
    for (const bootMode of ['uefi', 'bios'] as const) {
      const node = simulatedNode(rig, { mode: 'iscsi', ramdisk: answers });
      await deploy(node.run, { bootMode });
      assert.deepEqual(
        node.run.calls.filter((c) => c.name === 'setBootDevice').map((c) => c.args),
        [
          [NODE, 'pxe', false, bootMode],
          [NODE, 'disk', true, bootMode],
        ],
      );
    }
  });

  /** A cached image whose node has a config drive, and a drive write that succeeds. */
  const WITH_CONFIG_DRIVE: Behaviours = {
    cacheImage: async () => ({ key: 'img-key', sizeBytes: 4096, format: 'raw', downloaded: true, converted: false, configDrive: true }),
    writeConfigDriveToNode: async () => ({ table: 'gpt', partition: 3, offset: 62 * 1024 * 1024, bytes: 1024 * 1024, bytesWritten: 1 }),
  };

  test('iscsi with a config drive: deploy.write_image writes it after the verify, by ids only', async () => {
    const node = simulatedNode(rig, {
      mode: 'iscsi',
      ramdisk: answers,
      overrides: WITH_CONFIG_DRIVE,
    });
    await deploy(node.run);
    assert.deepEqual(node.run.unstubbed, []);
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('step(deploy.write_image)'), l.indexOf('step(deploy.tear_down_agent)')), [
      'step(deploy.write_image)',
      'writeImageToNode',
      'verifyNodeImage',
      'writeConfigDriveToNode',
    ]);
    const cd = node.run.calls.find((c) => c.name === 'writeConfigDriveToNode')!.args;
    assert.deepEqual(cd, [node.run.calls.find((c) => c.name === 'writeImageToNode')!.args[0]], 'the same iSCSI target, nothing else');
    assert.equal(finish(node.run.calls).status, 'succeeded');
  });

  test("iscsi with a config drive that does not fit: the deploy fails with the plan's words", async () => {
    const node = simulatedNode(rig, {
      mode: 'iscsi',
      ramdisk: answers,
      overrides: {
        cacheImage: async () => ({ key: 'img-key', sizeBytes: 4096, format: 'raw', downloaded: true, converted: false, configDrive: true }),
        writeConfigDriveToNode: () =>
          fails('Cannot write the config drive: the config drive (1 MiB) does not fit on the disk', 'ConfigDrivePartitionRefused'),
      },
    });
    await deploy(node.run);
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('writeConfigDriveToNode')), [
      'writeConfigDriveToNode',
      ...UNDO,
      'finishOperation(failed → deploy failed)',
    ]);
    const f = finish(node.run.calls);
    assert.match(f.error!, /Cannot write the config drive: .* does not fit on the disk/);
  });

  test('direct: the ramdisk writes and reports result; no iSCSI activities', async () => {
    const node = simulatedNode(rig, {
      mode: 'direct',
      ramdisk: {
        onBoot: () => [
          { event: 'progress', bytesDone: 2048, bytesTotal: 4096 },
          { event: 'result', ok: true },
        ],
      },
    });
    await deploy(node.run);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateDeploy',
      'step(deploy.deploy)',
      'cacheImage',
      ...BOOT_RAMDISK,
      'step(deploy.write_image)',
      'moveProvisionState(deploying)',
      'step(deploy.tear_down_agent)',
      'setRamdiskCommand(done)',
      'waitDoneDelivered',
      'step(deploy.boot_instance)',
      'writeFinalBootConfig',
      'setBootDevice(disk)',
      ...OFF,
      ...ON,
      'closeDeployment',
      'releaseImage',
      'finishOperation(succeeded → active)',
    ]);
  });

  test('direct with a config drive: after the result, export; the drive goes to the target the ramdisk names', async () => {
    const node = simulatedNode(rig, {
      mode: 'direct',
      ramdisk: {
        onBoot: () => [{ event: 'result', ok: true }],
        onCommand: (c) => (c === 'export' ? [{ event: 'ready', address: '10.9.0.5', port: 3260, iqn: 'iqn.2026-12.test:direct' }] : []),
      },
      overrides: WITH_CONFIG_DRIVE,
    });
    await deploy(node.run);
    assert.deepEqual(node.run.unstubbed, []);
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('step(deploy.write_image)'), l.indexOf('step(deploy.tear_down_agent)')), [
      'step(deploy.write_image)',
      'moveProvisionState(deploying)',
      'setRamdiskCommand(export)',
      'writeConfigDriveToNode',
    ]);
    const [t] = node.run.calls.find((c) => c.name === 'writeConfigDriveToNode')!.args as [Record<string, unknown>];
    assert.deepEqual(
      { address: t.address, port: t.port, iqn: t.iqn, imageKey: t.imageKey },
      { address: '10.9.0.5', port: 3260, iqn: 'iqn.2026-12.test:direct', imageKey: 'img-key' },
    );
    assert.equal(finish(node.run.calls).status, 'succeeded');
  });

  test('direct: result ok=false fails the deploy with the ramdisk words, undo newest first', async () => {
    const node = simulatedNode(rig, {
      mode: 'direct',
      ramdisk: { onBoot: () => [{ event: 'result', ok: false, error: 'checksum mismatch' }] },
    });
    await deploy(node.run);
    assert.deepEqual(lines(node.run.calls).slice(-UNDO.length - 1), [...UNDO, 'finishOperation(failed → deploy failed)']);
    const f = finish(node.run.calls);
    assert.equal(f.from, 'wait call-back');
    assert.match(f.error!, /^Deploy of node .* failed: The deploy ramdisk could not write the image: checksum mismatch$/);
  });

  test('a failed write runs the undo list newest first; a failing undo step is reported and the rest still run', async () => {
    const node = simulatedNode(rig, {
      ramdisk: answers,
      overrides: {
        writeImageToNode: () => fails('LUN went away'),
        removeBootConfigs: () => fails('read-only boot root'),
      },
    });
    await deploy(node.run);
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('writeImageToNode')), ['writeImageToNode', ...UNDO, 'finishOperation(failed → deploy failed)']);
    const f = finish(node.run.calls);
    assert.equal(f.from, 'deploying');
    assert.match(f.error!, /failed: LUN went away \(clean-up also failed: remove boot configs: read-only boot root\)$/);
    assert.equal(node.power(), 'off');
  });

  test('a failure before the ramdisk boot undoes only what was done (the image)', async () => {
    const node = simulatedNode(rig, { overrides: { createDeployment: () => fails('database gone') } });
    await deploy(node.run);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateDeploy',
      'step(deploy.deploy)',
      'cacheImage',
      'createDeployment',
      'releaseImage',
      'finishOperation(failed → deploy failed)',
    ]);
  });

  test('a silent ramdisk: exactly one PXE retry (power off, on), then the callback timeout fails the deploy', async () => {
    const node = simulatedNode(rig, { ramdisk: {} });
    await deploy(node.run, { callbackTimeoutSec: 0.1 });
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('moveProvisionState(wait call-back)')), [
      'moveProvisionState(wait call-back)',
      ...OFF,
      ...ON,
      // What the site saw of the silent boot goes into last_error.
      'explainRamdiskSilence',
      ...UNDO,
      'finishOperation(failed → deploy failed)',
    ]);
    assert.equal(node.ramdiskBoots(), 2);
    assert.match(finish(node.run.calls).error!, /Timeout reached while waiting for the deploy ramdisk of node .* to call back \(0\.1 s\)/);
    assert.match(finish(node.run.calls).error!, /\(0\.1 s\)\. Evidence: \(stub\)\. First step that never happened: a DHCP request\./);
    const events = node.run.calls.filter((c) => c.name === 'recordEvent').map((c) => (c.args[0] as { event: string }).event);
    assert.equal(events.filter((e) => e === 'deploy: step "no callback: PXE boot again" started').length, 1);
  });

  test('a ramdisk lost on its first boot answers after the PXE retry: the deploy completes', async () => {
    const node = simulatedNode(rig, { ramdisk: { onBoot: (n) => (n === 1 ? [] : [ready]) } });
    await deploy(node.run, { callbackTimeoutSec: 0.1 });
    assert.equal(node.ramdiskBoots(), 2);
    assert.equal(finish(node.run.calls).status, 'succeeded');
  });

  test('progress resets the callback clock: no PXE retry while the ramdisk keeps reporting', async () => {
    const node = simulatedNode(rig, { ramdisk: {} });
    const h = await rig.client.workflow.start('deployNode', {
      taskQueue: rig.taskQueue,
      workflowId: node.run.id,
      args: [input(rig, { callbackTimeoutSec: 3 })],
    });
    await waitFor(async () => (await timersStarted(rig, node.run.id)) === 1, 60_000, 'the callback timer started');
    // Progress every 200 ms for 7 s: more than twice the timeout, which still leaves room for a loaded
    // machine's signal lag (the dev server's timers lag up to ~1 s; seen later under a load average of 12).
    for (let i = 1; i <= 35; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await node.send([{ event: 'progress', bytesDone: i }]);
    }
    await node.send([ready]);
    await h.result();
    assert.equal(node.ramdiskBoots(), 1, 'no PXE retry');
    assert.equal(finish(node.run.calls).status, 'succeeded');
  });

  test('late-timer control: the same timer, on time, power-cycles once (PXE retry)', async () => {
    const node = simulatedNode(rig, { ramdisk: { onBoot: (n) => (n === 1 ? [] : [ready]) } });
    await deploy(node.run, LATE_TIMER);
    assert.equal(node.ramdiskBoots(), 2);
    assert.deepEqual(
      node.run.calls.filter((c) => c.name === 'setPower').map((c) => c.args[1]),
      ['off', 'on', 'off', 'on', 'off', 'on'],
    );
    assert.equal(finish(node.run.calls).status, 'succeeded');
  });

  test('abort while waiting for the callback: deploy failed with who aborted, undo newest first, no PXE retry', async () => {
    const node = simulatedNode(rig, { ramdisk: {} });
    const h = await rig.client.workflow.start('deployNode', { taskQueue: rig.taskQueue, workflowId: node.run.id, args: [input(rig)] });
    await waitFor(async () => node.run.calls.some((c) => c.name === 'moveProvisionState'), 60_000, 'wait call-back');
    await h.signal(abortSignal, { actor: 'bob', requestId: 'req-abort' });
    await h.result();
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('moveProvisionState(wait call-back)')), [
      'moveProvisionState(wait call-back)',
      ...UNDO,
      'finishOperation(failed → deploy failed)',
    ]);
    const f = finish(node.run.calls);
    assert.equal(f.from, 'wait call-back');
    assert.match(f.error!, /failed: Aborted by bob \(request req-abort\)\.$/);
    assert.equal(node.ramdiskBoots(), 1);
  });

  test('a ramdisk error event during the iSCSI write cancels the write and fails with its words', async () => {
    let cancelled = false;
    const node = simulatedNode(rig, {
      ramdisk: answers,
      overrides: {
        // Report the error while the write runs, then block until Temporal cancels this attempt.
        writeImageToNode: async () => {
          const ctx = Context.current();
          await node.send([{ event: 'error', error: 'tgtd died 4 times' }]);
          const beat = setInterval(() => ctx.heartbeat(), 20);
          try {
            return await ctx.cancelled;
          } catch (e) {
            cancelled = true;
            throw e;
          } finally {
            clearInterval(beat);
          }
        },
      },
    });
    await deploy(node.run);
    const f = finish(node.run.calls);
    assert.match(f.error!, /The deploy ramdisk reported an error: tgtd died 4 times/);
    const l = lines(node.run.calls);
    assert.deepEqual(l.slice(l.indexOf('writeImageToNode')), ['writeImageToNode', ...UNDO, 'finishOperation(failed → deploy failed)']);
    await waitFor(async () => cancelled, 60_000, 'the write cancelled');
  });
});

// A timer that fires long past its deadline (no worker ran meanwhile) listens a grace
// period first instead of power-cycling. The stub worker is stopped past the deadline and
// started again; short timers through the input (callbackTimeoutSec, lateTimer). Its control
// (the same timer on time power-cycles) runs with the cases above.
describe('deployNode: the late-timer grace', () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  test('a late timer (worker down past the deadline): the workflow listens again, no power cycle', async () => {
    const node = simulatedNode(rig, { ramdisk: {} });
    const h = await rig.client.workflow.start('deployNode', {
      taskQueue: rig.taskQueue,
      workflowId: node.run.id,
      args: [input(rig, LATE_TIMER)],
    });
    await waitFor(async () => (await timersStarted(rig, node.run.id)) === 1, 60_000, 'the callback timer started');
    const powerActions = () => node.run.calls.filter((c) => c.name === 'setPower').length;
    const before = powerActions();
    await rig.stop();
    await new Promise((r) => setTimeout(r, 4_500)); // deadline 100 ms, then over 3 s late
    await rig.start();
    // The grace timer (30 s) starts instead of a power-off.
    await waitFor(async () => (await timersStarted(rig, node.run.id)) === 2, 60_000, 'the grace timer started');
    assert.equal(powerActions(), before, 'no power action');
    await node.send([ready]);
    await h.result();
    assert.equal(node.ramdiskBoots(), 1, 'one ramdisk boot');
    assert.equal(finish(node.run.calls).status, 'succeeded');
    assert.deepEqual(
      node.run.calls.filter((c) => c.name === 'setPower').map((c) => c.args[1]),
      ['off', 'on', 'off', 'on'],
    );
  });
});
