// Every native command cross-checked with ipmitool against the same ipmi_sim:
// one side sets, the other reads, in both directions, and the simulated
// hardware (the BMC's state files) agrees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IpmiClient, IpmiCompletionCodeError } from '#activities/ipmi/rmcp';
import { setBootFlags } from '#activities/ipmi/rmcp/commands';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { waitFor } from '../support/procs';
import { ipmitool, ipmitoolFull, targetOf } from './ipmitool-cli';

describe('native client vs ipmitool on one ipmi_sim', () => {
  let bmc: Bmc;
  let client: IpmiClient;
  let t: ReturnType<typeof targetOf>;

  before(async () => {
    bmc = await startBmc({ user: 'operator1', password: 'S3cret-pw' });
    client = new IpmiClient({ attemptTimeoutMs: 500 });
    t = targetOf(bmc);
  });
  after(async () => {
    await client.close();
    await bmc.stop();
  });

  test('RMCP presence ping: the BMC answers and says it speaks IPMI', async () => {
    const pong = await client.ping(bmc.address, bmc.port);
    assert.equal(pong.ipmiSupported, true);
  });

  test('Get Device ID agrees with ipmitool mc info', async () => {
    const d = await client.getDeviceId(t);
    const info = await ipmitool(bmc, 'mc', 'info');
    const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1].trim() ?? '';
    assert.equal(d.deviceId, Number(field('Device ID')));
    assert.equal(d.deviceRevision, Number(field('Device Revision')));
    assert.equal(d.firmwareRevision, field('Firmware Revision'));
    assert.equal(d.ipmiVersion, field('IPMI Version'));
    assert.equal(d.manufacturerId, Number(field('Manufacturer ID')));
    assert.equal(d.productId, Number(/^Product ID\s*:\s*(\d+)/m.exec(info)?.[1]));
  });

  test('power: hardware -> both read; ipmitool sets -> native reads; native sets -> ipmitool reads', async () => {
    bmc.writePower(1);
    assert.equal((await client.getChassisStatus(t)).powerOn, true);
    assert.match(await ipmitool(bmc, 'power', 'status'), /Chassis Power is on/);

    await ipmitool(bmc, 'power', 'off');
    assert.equal(bmc.readPower(), 0);
    assert.equal((await client.getChassisStatus(t)).powerOn, false);

    await client.chassisControl(t, 'up');
    assert.equal(bmc.readPower(), 1);
    assert.match(await ipmitool(bmc, 'power', 'status'), /Chassis Power is on/);

    await client.chassisControl(t, 'down');
    assert.equal(bmc.readPower(), 0);
    assert.match(await ipmitool(bmc, 'power', 'status'), /Chassis Power is off/);
  });

  test('power cycle, hard reset and soft shutdown reach the chassis', async () => {
    bmc.writePower(1);
    await client.chassisControl(t, 'cycle');
    assert.equal(bmc.readPower(), 0, 'cycle powers off first');
    await waitFor(async () => bmc.readPower() === 1, 5000, 'power back on after cycle');
    assert.match(await ipmitool(bmc, 'power', 'status'), /Chassis Power is on/);

    await client.chassisControl(t, 'hardReset');
    await client.chassisControl(t, 'softShutdown');
    assert.deepEqual(bmc.readEvents().slice(-2), ['reset 1', 'shutdown 1']);
    await ipmitool(bmc, 'power', 'reset');
    assert.deepEqual(bmc.readEvents().slice(-1), ['reset 1']);
  });

  test('boot device: native sets -> ipmitool and hardware read it', async () => {
    const cases = [
      ['pxe', 'pxe', /Force PXE/],
      ['disk', 'default', /Force Boot from default Hard-Drive$/m],
      ['cdrom', 'cdrom', /Force Boot from CD\/DVD/],
      ['bios', 'bios', /Force Boot into BIOS Setup/],
    ] as const;
    for (const [dev, file, text] of cases) {
      await client.setBootDevice(t, dev, { persistent: false });
      assert.equal(bmc.readBoot(), file, dev);
      assert.match(await ipmitool(bmc, 'chassis', 'bootparam', 'get', '5'), text);
      assert.equal((await client.getBootDevice(t)).device, dev);
    }
  });

  test('boot device: ipmitool sets -> native reads', async () => {
    for (const dev of ['pxe', 'cdrom', 'disk', 'bios'] as const) {
      await ipmitool(bmc, 'chassis', 'bootdev', dev);
      assert.equal((await client.getBootDevice(t)).device, dev);
    }
  });

  test('boot device with the EFI flag: the native request is byte for byte what ipmitool sends for options=efiboot', async () => {
    for (const [dev, file, persistent] of [
      ['pxe', 'pxe', false],
      ['disk', 'default', true],
    ] as const) {
      // ipmitool -vvvv prints each request it sends: netfn, command and data bytes.
      const r = await ipmitoolFull(bmc, '-vvvv', 'chassis', 'bootdev', dev, `options=efiboot${persistent ? ',persistent' : ''}`);
      const sent = [...`${r.stdout}\n${r.stderr}`.matchAll(/netfn\s*: 0x00\s+>>\s+command : 0x08\s+>>\s+data\s*: ((?:0x[0-9a-f]{2} ?)+)/g)]
        .map((m) => m[1].trim().split(' ').map(Number))
        .find((d) => d[0] === 0x05);
      assert.ok(sent, `ipmitool's Set System Boot Options parameter 5 request in:\n${r.stderr.slice(-2000)}`);
      assert.deepEqual([...setBootFlags(dev, persistent, true).data], sent, `${dev} persistent=${persistent}`);
      assert.equal(sent[1] & 0xa0, 0xa0, 'valid bit and BIOS boot type = EFI');
      assert.equal(bmc.readBoot(), file);
      bmc.writeBoot('none');
      // The native client's request with the same flags reaches the same chassis (ipmi_sim keeps only the device).
      await client.setBootDevice(t, dev, { persistent, uefi: true });
      assert.equal(bmc.readBoot(), file);
      assert.equal((await client.getBootDevice(t)).device, dev);
    }
  });

  test('safe mode is refused by ipmi_sim with 0xff, the same way for both clients', async () => {
    await assert.rejects(client.setBootDevice(t, 'safe', { persistent: false }), (e: unknown) => {
      assert.ok(e instanceof IpmiCompletionCodeError);
      assert.equal(e.code, 0xff);
      return true;
    });
    // ipmitool's `chassis bootdev` exits 0 here and reports the failure on stderr only.
    const r = await ipmitoolFull(bmc, 'chassis', 'bootdev', 'safe');
    assert.match(r.stderr, /Set Chassis Boot Parameter 5 failed: Unspecified error/);
  });

  test('the session is reused: one session for all of the above', () => {
    assert.equal(client.stats.sessionsOpened, 1);
    assert.equal(client.stats.sessionReopens, 0);
  });
});
