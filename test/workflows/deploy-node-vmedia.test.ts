// deployNode for a node whose boot interface is redfish-virtual-media (validateDeploy says
// virtualMedia), with stub activities (stub-worker.ts): the deploy ISO goes in the virtual
// CD, the node boots once from cdrom, and after the image the CD is ejected and the ISO
// removed before it boots from disk; a failure ejects and removes it too. Ids only in the
// activity inputs: the ISO's URL (it opens the deployment secret) stays in the worker.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeployInput } from '#workflows/contracts/deploy';
import { fails } from './recording-activities';
import { lines, simulatedNode, startStubWorker, type SimulatedNode, type StubWorker } from './stub-worker';

const NODE = '11111111-2222-3333-4444-666666666666';
const ready = { event: 'ready' as const, address: '10.0.0.9', port: 3260, iqn: 'iqn.2026-12.org.ironflow:node' };
const OFF = ['setPower(off)', 'waitForPowerState(power off)', 'recordPowerState(power off)'];
const ON = ['setPower(on)', 'waitForPowerState(power on)', 'recordPowerState(power on)'];

describe('deployNode, virtual-media boot, with stub activities', { concurrency: true }, () => {
  let rig: StubWorker;
  before(async () => {
    rig = await startStubWorker();
  });
  after(async () => {
    await rig?.close();
  });

  /** A node whose BMC boots the ramdisk when powered on with the ISO inserted and cdrom as the boot device. */
  function vmediaNode(over: { failWrite?: boolean } = {}): SimulatedNode {
    let power: 'on' | 'off' = 'on';
    let device = 'disk';
    let inserted = false;
    let boots = 0;
    const node: SimulatedNode = simulatedNode(rig, {
      overrides: {
        validateDeploy: async () => ({ mode: 'iscsi', deployInterface: 'iscsi', virtualMedia: true as const }),
        insertDeployIso: async () => {
          inserted = true;
        },
        ejectVirtualMedia: async () => {
          inserted = false;
        },
        setBootDevice: async (_n, d) => {
          device = d;
        },
        waitForPowerState: async (_n, want) => want === `power ${power}`,
        setPower: async (_n, action) => {
          if (action === 'off') power = 'off';
          if (action !== 'on' || power === 'on') return;
          power = 'on';
          if (device === 'cdrom' && inserted) {
            boots++;
            await node.send([ready]);
          }
        },
        ...(over.failWrite ? { writeImageToNode: async () => fails('disk on fire') } : {}),
      },
    });
    return { ...node, ramdiskBoots: () => boots, power: () => power };
  }

  const deploy = (id: string) =>
    rig.client.workflow.execute('deployNode', {
      taskQueue: rig.taskQueue,
      workflowId: id,
      args: [
        {
          nodeUuid: NODE,
          actor: 'alice',
          requestId: 'req-1',
          fromState: 'available',
          viaState: 'deploying',
          target: 'active',
          hardwareQueue: rig.taskQueue,
          callbackTimeoutSec: 60,
        } satisfies DeployInput,
      ],
    });

  test('ISO in, boot once from cdrom, no PXE config; after the image: eject, ISO removed, boot from disk', async () => {
    const node = vmediaNode();
    await deploy(node.run.id);
    assert.deepEqual(node.run.unstubbed, []);
    assert.deepEqual(lines(node.run.calls), [
      'beginOperation',
      'validateDeploy',
      'step(deploy.deploy)',
      'cacheImage',
      'createDeployment',
      'insertDeployIso',
      ...OFF,
      'setBootDevice(cdrom)',
      ...ON,
      'moveProvisionState(wait call-back)',
      'moveProvisionState(deploying)',
      'step(deploy.write_image)',
      'writeImageToNode',
      'verifyNodeImage',
      'step(deploy.tear_down_agent)',
      'setRamdiskCommand(done)',
      'waitDoneDelivered',
      'step(deploy.boot_instance)',
      'ejectVirtualMedia',
      'removeBootConfigs',
      'setBootDevice(disk)',
      ...OFF,
      ...ON,
      'closeDeployment',
      'releaseImage',
      'finishOperation(succeeded → active)',
    ]);
    assert.equal(node.ramdiskBoots(), 1);
    const bootDevices = node.run.calls.filter((c) => c.name === 'setBootDevice').map((c) => c.args.slice(1, 3));
    assert.deepEqual(bootDevices, [
      ['cdrom', false],
      ['disk', true],
    ]);
    assert.deepEqual(node.run.calls.find((c) => c.name === 'insertDeployIso')!.args, [
      { nodeUuid: NODE, deploymentId: 'dep-1', mode: 'iscsi' },
    ]);
  });

  test('a failed write: power off, eject, the ISO removed, deploy failed', async () => {
    const node = vmediaNode({ failWrite: true });
    await deploy(node.run.id);
    const l = lines(node.run.calls);
    const after = l.slice(l.indexOf('writeImageToNode') + 1);
    assert.deepEqual(after, [
      ...OFF,
      'ejectVirtualMedia',
      'removeBootConfigs',
      'closeDeployment',
      'releaseImage',
      'finishOperation(failed → deploy failed)',
    ]);
  });
});
