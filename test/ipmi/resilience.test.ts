// The native client against an imperfect world: datagram loss, sessions the
// BMC forgot, many callers at once, and a clean shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { IpmiAuthError, IpmiClient, IpmiTimeoutError } from '#activities/ipmi/rmcp';
import { startBmc, type Bmc } from '../support/bmc-sim';
import { startUdpRelay, type UdpRelay } from '../support/udp-relay';
import { targetOf } from './ipmitool-cli';

describe('30% datagram loss each way', () => {
  let bmc: Bmc;
  let relay: UdpRelay;
  let client: IpmiClient;
  before(async () => {
    bmc = await startBmc();
    relay = await startUdpRelay({
      targetAddress: bmc.address,
      targetPort: bmc.port,
      dropToTarget: 0.3,
      dropToClient: 0.3,
      seed: 42,
    });
    client = new IpmiClient({ attemptTimeoutMs: 100, maxAttemptTimeoutMs: 400, callTimeoutMs: 20000 });
  });
  after(async () => {
    await client.close();
    await relay.close();
    await bmc.stop();
  });

  test('30 commands all succeed and leave the hardware as asked', async (tc) => {
    const t = { ...targetOf(bmc), address: relay.address, port: relay.port, cipherSuite: 3 as const };
    for (let i = 0; i < 30; i++) {
      switch (i % 3) {
        case 0:
          await client.chassisControl(t, i % 2 === 0 ? 'up' : 'down');
          assert.equal(bmc.readPower(), i % 2 === 0 ? 1 : 0);
          break;
        case 1:
          assert.equal((await client.getChassisStatus(t)).powerOn, bmc.readPower() === 1);
          break;
        default: {
          const dev = i % 2 === 0 ? 'pxe' : 'cdrom';
          await client.setBootDevice(t, dev, { persistent: false });
          assert.equal((await client.getBootDevice(t)).device, dev);
        }
      }
    }
    assert.ok(relay.stats.droppedToTarget > 5 && relay.stats.droppedToClient > 5, JSON.stringify(relay.stats));
    tc.diagnostic(`relay ${JSON.stringify(relay.stats)}, client ${JSON.stringify(client.stats)}`);
  });
});

describe('sessions the BMC no longer knows', () => {
  test('BMC restarted (all sessions gone): the next call re-opens transparently', async () => {
    const bmc = await startBmc();
    const client = new IpmiClient({ attemptTimeoutMs: 300, keepAliveMs: 0 });
    try {
      const t = targetOf(bmc, { cipherSuite: 3 });
      assert.equal((await client.getChassisStatus(t)).powerOn, false);
      await bmc.restart();
      bmc.writePower(1);
      const started = Date.now();
      assert.equal((await client.getChassisStatus(t)).powerOn, true);
      assert.ok(Date.now() - started < 5000, `re-open took ${Date.now() - started} ms`);
      assert.equal(client.stats.sessionReopens, 1);
      assert.equal(client.stats.sessionsOpened, 2);
    } finally {
      await client.close();
      await bmc.stop();
    }
  });

  test('ipmi_sim expires a session idle for 30 s; keep-alive prevents it', { timeout: 60000 }, async () => {
    const [idle, kept] = await Promise.all([startBmc(), startBmc()]);
    const noKeepAlive = new IpmiClient({ attemptTimeoutMs: 300, keepAliveMs: 0 });
    const keepAlive = new IpmiClient({ attemptTimeoutMs: 300, keepAliveMs: 5000 });
    try {
      const ti = targetOf(idle, { cipherSuite: 3 });
      const tk = targetOf(kept, { cipherSuite: 3 });
      await Promise.all([noKeepAlive.getChassisStatus(ti), keepAlive.getChassisStatus(tk)]);
      await new Promise((r) => setTimeout(r, 33000));
      idle.writePower(1);
      kept.writePower(1);
      assert.equal((await noKeepAlive.getChassisStatus(ti)).powerOn, true);
      assert.equal((await keepAlive.getChassisStatus(tk)).powerOn, true);
      assert.equal(noKeepAlive.stats.sessionReopens, 1, 'the idle session had expired and was re-opened');
      assert.equal(keepAlive.stats.sessionReopens, 0, 'the kept-alive session was still valid');
      assert.ok(keepAlive.stats.keepAlives >= 3, `keep-alives: ${keepAlive.stats.keepAlives}`);
    } finally {
      await Promise.all([noKeepAlive.close(), keepAlive.close(), idle.stop(), kept.stop()]);
    }
  });
});

describe('failed logins', () => {
  test('70 wrong-password attempts do not use up the BMC session table (63 slots)', async () => {
    const bmc = await startBmc();
    const client = new IpmiClient({ attemptTimeoutMs: 300, keepAliveMs: 0 });
    try {
      const bad = targetOf(bmc, { password: 'wrong', cipherSuite: 3 });
      for (let i = 0; i < 70; i++) await assert.rejects(client.getChassisStatus(bad), IpmiAuthError);
      // Each failure tells the BMC (RAKP 3 with an error status), which frees the half-open session.
      assert.equal((await client.getChassisStatus(targetOf(bmc, { cipherSuite: 3 }))).powerOn, false);
    } finally {
      await client.close();
      await bmc.stop();
    }
  });
});

describe('session lifecycle', () => {
  test('close() sends Close Session: 70 clients in turn never fill the BMC session table', async () => {
    const bmc = await startBmc();
    try {
      for (let i = 0; i < 70; i++) {
        const client = new IpmiClient({ attemptTimeoutMs: 300 });
        await client.getChassisStatus(targetOf(bmc, { cipherSuite: 3 }));
        await client.close();
      }
    } finally {
      await bmc.stop();
    }
  });

  test('no cipher suite given: 17 is tried, ipmi_sim refuses it, 3 is used and remembered', async () => {
    const bmc = await startBmc();
    const client = new IpmiClient({ attemptTimeoutMs: 300 });
    try {
      const t = targetOf(bmc); // cipherSuite undefined
      for (let i = 0; i < 3; i++) assert.equal((await client.getChassisStatus(t)).powerOn, false);
      assert.equal(client.stats.sessionsOpened, 1);
    } finally {
      await client.close();
      await bmc.stop();
    }
  });
});

describe('callers at once', () => {
  test('40 concurrent calls to one BMC are serialised and all succeed', async () => {
    const bmc = await startBmc({ power: 1 });
    const client = new IpmiClient({ attemptTimeoutMs: 300 });
    try {
      const t = targetOf(bmc, { cipherSuite: 3 });
      // The transport refuses a second request in flight to the same BMC, so
      // any missing serialisation would fail these calls.
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 4 === 0 ? client.chassisControl(t, 'up').then(() => true) : client.getChassisStatus(t).then((s) => s.powerOn),
        ),
      );
      assert.ok(results.every(Boolean));
      assert.equal(client.stats.sessionsOpened, 1);
    } finally {
      await client.close();
      await bmc.stop();
    }
  });
});

describe('dead BMCs among live ones', () => {
  test('calls queued behind dead BMCs keep their own time bound and succeed', async () => {
    const live = await startBmc({ power: 1 });
    const dead = await Promise.all([0, 1].map(() => startUdpRelay({ targetAddress: live.address, targetPort: live.port })));
    dead.forEach((r) => (r.dead = true));
    // Two slots: both taken by dead BMCs first, everything else waits for them.
    const client = new IpmiClient({ maxConcurrency: 2, attemptTimeoutMs: 200, callTimeoutMs: 1000 });
    try {
      const deadCalls = dead.map((r) => client.getChassisStatus({ ...targetOf(live, { cipherSuite: 3 }), port: r.port }));
      const liveCalls = Array.from({ length: 5 }, () => client.getChassisStatus(targetOf(live, { cipherSuite: 3 })));
      const settled = await Promise.allSettled([...deadCalls, ...liveCalls]);
      assert.deepEqual(
        settled.map((r) => r.status),
        ['rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'],
      );
      for (const r of settled.slice(0, 2)) assert.ok(r.status === 'rejected' && r.reason instanceof IpmiTimeoutError);
    } finally {
      await client.close();
      await Promise.all(dead.map((r) => r.close()));
      await live.stop();
    }
  });
});

describe('shutdown', () => {
  test('after close() no socket or timer keeps the process alive', async () => {
    const bmc = await startBmc();
    try {
      const lib = path.join(__dirname, '../../activities/ipmi/rmcp');
      const script = `
        const { IpmiClient } = require(${JSON.stringify(lib)});
        const c = new IpmiClient({ keepAliveMs: 1000 });
        const t = { address: '127.0.0.1', port: ${bmc.port}, username: 'admin', password: process.env.PW, cipherSuite: 3 };
        c.getChassisStatus(t).then(() => c.close()).then(() => console.log('closed'));`;
      const started = Date.now();
      const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, PW: bmc.password } });
        let stdout = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.on('close', (code) => {
          clearTimeout(killer);
          resolve({ code, stdout });
        });
      });
      assert.equal(out.stdout.trim(), 'closed');
      assert.equal(out.code, 0);
      assert.ok(Date.now() - started < 10_000, 'exited promptly');
    } finally {
      await bmc.stop();
    }
  });
});
