// The same behavioural tests for both PowerDriver implementations against real
// ipmi_sim BMCs: what a user of the driver would check.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BmcTarget, PowerDriver } from '#activities/ipmi/driver';
import { IpmitoolDriver } from '#activities/ipmi/ipmitool-driver';
import { NativeIpmiDriver } from '#activities/ipmi/native-driver';
import { IpmiAuthError, IpmiCompletionCodeError, IpmiTimeoutError, IpmiUnsupportedCipherError } from '#activities/ipmi/rmcp';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { waitFor } from '../support/procs';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';

interface DriverKind {
  name: string;
  make(): PowerDriver;
  /** A driver configured to give up on a silent BMC quickly, and the bound it promises (ms). */
  makeImpatient(): { driver: PowerDriver; boundMs: number };
  /** Upper bound for failing on a wrong password. */
  authFailMs: number;
}

const kinds: DriverKind[] = [
  {
    name: 'native',
    make: () => new NativeIpmiDriver({ attemptTimeoutMs: 300 }),
    makeImpatient: () => ({
      driver: new NativeIpmiDriver({ attemptTimeoutMs: 200, callTimeoutMs: 1500 }),
      boundMs: 1500,
    }),
    authFailMs: 3000, // a retried login would take 4 attempts x 1 s or more
  },
  {
    name: 'ipmitool',
    make: () => new IpmitoolDriver(),
    // -N 1 -R 1: ipmitool tries for ~2 s before giving up.
    makeImpatient: () => ({ driver: new IpmitoolDriver({ timeoutSec: 1, retries: 1, killAfterMs: 5000 }), boundMs: 5000 }),
    authFailMs: 4000,
  },
];

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

for (const kind of kinds) {
  describe(`${kind.name} driver`, () => {
    let bmc: Bmc;
    let driver: PowerDriver;
    let t: BmcTarget;

    before(async () => {
      bmc = await startBmc({ user: 'ops', password: 'pa55-Word' });
      driver = kind.make();
      t = { address: bmc.address, port: bmc.port, username: 'ops', password: 'pa55-Word', cipherSuite: 3 };
    });
    after(async () => {
      await driver.close();
      await bmc.stop();
    });

    test('reads the power state the hardware is in', async () => {
      bmc.writePower(1);
      assert.equal(await driver.getPowerState(t), 'power on');
      bmc.writePower(0);
      assert.equal(await driver.getPowerState(t), 'power off');
    });

    test('on and off switch the hardware, and are idempotent', async () => {
      await driver.setPower(t, 'on');
      assert.equal(bmc.readPower(), 1);
      await driver.setPower(t, 'on');
      assert.equal(await driver.getPowerState(t), 'power on');
      await driver.setPower(t, 'off');
      assert.equal(bmc.readPower(), 0);
      assert.equal(await driver.getPowerState(t), 'power off');
    });

    test('cycle goes off then on again; reset and soft reach the chassis', async () => {
      bmc.writePower(1);
      await driver.setPower(t, 'cycle');
      await waitFor(async () => bmc.readPower() === 1 && (await driver.getPowerState(t)) === 'power on', 5000, 'on after cycle');
      const before = bmc.readEvents().length;
      await driver.setPower(t, 'reset');
      await driver.setPower(t, 'soft');
      assert.deepEqual(bmc.readEvents().slice(before), ['reset 1', 'shutdown 1']);
    });

    test('boot device round trip through the hardware', async () => {
      for (const [dev, file] of [
        ['pxe', 'pxe'],
        ['disk', 'default'],
        ['cdrom', 'cdrom'],
        ['bios', 'bios'],
      ] as const) {
        await driver.setBootDevice(t, dev, { persistent: false });
        assert.equal(bmc.readBoot(), file);
        const got = await driver.getBootDevice(t);
        assert.equal(got.bootDevice, dev);
        // ipmi_sim keeps only the device selector: persistence and EFI read back false.
        assert.equal(got.persistent, false);
      }
      bmc.writeBoot('none');
      assert.equal((await driver.getBootDevice(t)).bootDevice, null);
    });

    test('persistent UEFI boot to PXE is accepted (ipmi_sim stores the device)', async () => {
      await driver.setBootDevice(t, 'pxe', { persistent: true, uefi: true });
      assert.equal(bmc.readBoot(), 'pxe');
    });

    test('a BMC refusal comes back as IpmiCompletionCodeError with the code', async () => {
      await assert.rejects(driver.setBootDevice(t, 'safe', { persistent: false }), (e: unknown) => {
        assert.ok(e instanceof IpmiCompletionCodeError, message(e));
        assert.equal(e.code, 0xff);
        return true;
      });
    });

    test('wrong password: IpmiAuthError, not retryable, fast, password not in the message', async () => {
      const started = Date.now();
      const err = await driver.getPowerState({ ...t, password: 'not-the-password' }).then(
        () => assert.fail('should not succeed'),
        (e: unknown) => e,
      );
      const elapsed = Date.now() - started;
      assert.ok(err instanceof IpmiAuthError, message(err));
      assert.equal(err.retryable, false);
      assert.ok(elapsed < kind.authFailMs, `took ${elapsed} ms`);
      assert.ok(!err.message.includes('not-the-password'));
    });

    test('unknown user: IpmiAuthError', async () => {
      await assert.rejects(driver.getPowerState({ ...t, username: 'nobody' }), IpmiAuthError);
    });

    test('cipher suite 17 against ipmi_sim (SHA1 only): IpmiUnsupportedCipherError, not retryable', async () => {
      const err = await driver.getPowerState({ ...t, cipherSuite: 17 }).then(
        () => assert.fail('ipmi_sim has no SHA256'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof IpmiUnsupportedCipherError, message(err));
      assert.equal(err.retryable, false);
    });

    describe('a BMC that never answers', () => {
      let relay: UdpRelay;
      before(async () => {
        relay = await startUdpRelay({ targetAddress: bmc.address, targetPort: bmc.port });
        relay.dead = true;
      });
      after(() => relay.close());

      test('IpmiTimeoutError within the configured bound', async () => {
        const { driver: impatient, boundMs } = kind.makeImpatient();
        const started = Date.now();
        const err = await impatient.getPowerState({ ...t, address: relay.address, port: relay.port }).then(
          () => assert.fail('a dead BMC answered'),
          (e: unknown) => e,
        );
        const elapsed = Date.now() - started;
        await impatient.close();
        assert.ok(err instanceof IpmiTimeoutError, message(err));
        assert.equal(err.retryable, true);
        assert.ok(elapsed <= boundMs + 2000, `took ${elapsed} ms, bound ${boundMs} ms (slack for a loaded machine)`);
        assert.ok(relay.stats.droppedToTarget >= 2, 'it did retransmit');
      });
    });
  });
}
