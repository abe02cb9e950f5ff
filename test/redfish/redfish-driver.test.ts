// The Redfish client and driver against the lab's Redfish BMC emulator (real HTTPS,
// the lab's own CA): auth (sessions reused, re-login on 401, Basic, auto fallback,
// logout), TLS verification, power through the allowed ResetTypes, boot override
// with ETags, virtual media in its vendor variants, politeness, and the bad answers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  RedfishDriver,
  RedfishAuthError,
  RedfishConnectionError,
  RedfishHttpError,
  RedfishTimeoutError,
  type RedfishTarget,
} from '#activities/redfish';
import { MemoryBackend } from '../lab/redfish-bmc/memory-backend';
import { startRedfishBmc, type RedfishBmc, type RedfishBmcOptions } from '../lab/redfish-bmc/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redfish driver against the emulator', () => {
  let dir: string;
  const started: RedfishBmc[] = [];
  const drivers: RedfishDriver[] = [];

  async function bmc(o: Partial<RedfishBmcOptions> = {}, ids = ['sys-1']) {
    const backends = ids.map(() => new MemoryBackend());
    const b = await startRedfishBmc({
      dir,
      password: 'Redf1sh!',
      powerDelayMs: 100,
      systems: ids.map((id, i) => ({ id, backend: backends[i]! })),
      ...o,
    });
    started.push(b);
    return { b, backends, backend: backends[0]! };
  }
  function driver(opts: ConstructorParameters<typeof RedfishDriver>[0] = {}) {
    const d = new RedfishDriver({ pollMs: 50, requestTimeoutMs: 2000, ...opts });
    drivers.push(d);
    return d;
  }
  const target = (b: RedfishBmc, t: Partial<RedfishTarget> = {}): RedfishTarget => ({
    baseUrl: b.url,
    systemId: b.systemPath('sys-1'),
    username: b.username,
    password: b.password,
    verifyCa: b.caFile,
    authType: 'auto',
    ...t,
  });
  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    for (let i = 0; ; i++) {
      const v = await fn();
      if (ok(v) || i > 200) return v;
      await sleep(25);
    }
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redfish-driver-'));
  });
  after(async () => {
    for (const d of drivers) await d.close();
    for (const b of started) await b.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('one session for many calls; a dropped session logs in again; close logs out', async () => {
    const { b } = await bmc();
    const d = driver();
    const t = target(b);
    for (let i = 0; i < 5; i++) assert.equal(await d.getPowerState(t), 'power off');
    assert.equal(b.stats.sessionsCreated, 1);
    assert.ok(b.requests.filter((r) => r.path.includes('/Systems/')).every((r) => r.auth === 'session'));
    b.expireSessions(); // the BMC forgot us (reboot, timeout)
    assert.equal(await d.getPowerState(t), 'power off');
    assert.equal(b.stats.sessionsCreated, 2);
    assert.equal(d.client.stats.relogins, 1);
    await d.close();
    assert.equal(b.stats.sessionsDeleted, 1, 'logged out');
  });

  test('Basic when asked, auto falls back to Basic without a session service; a wrong password is not retried', async () => {
    const { b } = await bmc({ noSessions: true });
    const d = driver();
    assert.equal(await d.getPowerState(target(b)), 'power off');
    assert.equal(await d.getPowerState(target(b, { authType: 'basic' })), 'power off');
    assert.ok(b.requests.filter((r) => r.path.includes('/Systems/')).every((r) => r.auth === 'basic'));
    const e = await d.getPowerState(target(b, { password: 'wrong', authType: 'basic' })).catch((x) => x);
    assert.ok(e instanceof RedfishAuthError && e.retryable === false, String(e));
    assert.ok(!e.message.includes('wrong') && !e.message.includes(b.password));
    const { b: s } = await bmc();
    const e2 = await d.getPowerState(target(s, { password: 'wrong' })).catch((x) => x);
    assert.ok(e2 instanceof RedfishAuthError, String(e2));
  });

  test('TLS is verified: the system CAs refuse the lab certificate (not retried), its CA file or verify off accept it', async () => {
    const { b } = await bmc();
    const d = driver();
    const e = await d.getPowerState(target(b, { verifyCa: true })).catch((x) => x);
    assert.ok(e instanceof RedfishConnectionError && e.retryable === false, String(e));
    assert.match(e.message, /redfish_verify_ca/);
    assert.equal(await d.getPowerState(target(b, { verifyCa: false })), 'power off');
    assert.equal(await d.getPowerState(target(b)), 'power off');
  });

  test('power: on lands after the BMC delay, off, reboot by ForceRestart; the only system found without redfish_system_id', async () => {
    const { b, backend } = await bmc({ powerDelayMs: 300 });
    const d = driver();
    const t = target(b, { systemId: undefined });
    await d.setPower(t, 'on');
    assert.equal(await d.getPowerState(t), 'power off', 'the reset has not landed yet');
    assert.equal(
      await until(
        () => d.getPowerState(t),
        (s) => s === 'power on',
      ),
      'power on',
    );
    await d.setPower(t, 'on'); // on when on: success, nothing sent
    await d.setPower(t, 'reset');
    await until(
      async () => backend.state.resets.length,
      (n) => n === 2,
    );
    await d.setPower(t, 'off');
    assert.equal(
      await until(
        () => d.getPowerState(t),
        (s) => s === 'power off',
      ),
      'power off',
    );
    assert.deepEqual(backend.state.resets, ['On', 'ForceRestart', 'ForceOff']);
    await d.injectNmi(t);
    await until(
      async () => backend.state.resets.length,
      (n) => n === 4,
    );
    assert.equal(backend.state.resets[3], 'Nmi');
  });

  test('reboot where the BMC allows no ForceRestart: ForceOff, wait for Off, On; a ResetType it does not allow is refused', async () => {
    const backend = new MemoryBackend({ power: 'On' });
    const b = await startRedfishBmc({
      dir,
      password: 'x',
      powerDelayMs: 200,
      systems: [{ id: 'sys-1', backend, resetTypes: ['On', 'ForceOff'] }],
    });
    started.push(b);
    const d = driver();
    const t = target(b);
    await d.setPower(t, 'reset');
    await until(
      async () => backend.state.resets.length,
      (n) => n === 2,
    );
    assert.deepEqual(backend.state.resets, ['ForceOff', 'On']);
    await until(
      () => d.getPowerState(t),
      (s) => s === 'power on',
    );
    const e = await d.setPower(t, 'soft').catch((x) => x);
    assert.match(String(e), /does not allow ResetType GracefulShutdown \(it allows On, ForceOff\)/);
    assert.equal(e.retryable, false);
  });

  test('boot device: PATCH Boot with If-Match, read back; a 412 is re-read and retried once, twice fails', async () => {
    const { b, backend } = await bmc();
    const d = driver();
    const t = target(b);
    await d.setBootDevice(t, 'pxe', { persistent: false, uefi: true });
    assert.deepEqual(await d.getBootDevice(t), { bootDevice: 'pxe', persistent: false, uefi: true });
    assert.deepEqual(backend.state.boot, { target: 'Pxe', enabled: 'Once', mode: 'UEFI' });
    assert.ok(b.requests.filter((r) => r.method === 'PATCH').every((r) => r.ifMatch?.startsWith('W/"')));
    b.failNext({ status: 412, method: 'PATCH' });
    await d.setBootDevice(t, 'disk', { persistent: true, uefi: false });
    assert.deepEqual(await d.getBootDevice(t), { bootDevice: 'disk', persistent: true, uefi: false });
    b.failNext({ status: 412, method: 'PATCH', times: 2 });
    const e = await d.setBootDevice(t, 'cdrom', { persistent: false }).catch((x) => x);
    assert.ok(e instanceof RedfishHttpError && e.status === 412, String(e));
    const e2 = await d.setBootDevice(t, 'safe', { persistent: false }).catch((x) => x);
    assert.equal(e2.retryable, false);
  });

  test('a real stale ETag: the System changed between our read and our PATCH', async () => {
    const { b, backend } = await bmc();
    const d = driver();
    const t = target(b);
    const sys = b.systemPath('sys-1');
    const stale = (await d.client.get(t, sys)).etag!;
    b.touch('sys-1');
    const r = await d.client.request(
      t,
      'PATCH',
      sys,
      { Boot: { BootSourceOverrideTarget: 'Pxe' } },
      { headers: { 'If-Match': stale }, accept: [412] },
    );
    assert.equal(r.status, 412);
    assert.equal(backend.state.boot.target, 'None', 'nothing applied');
  });

  test('@Redfish.Settings: boot goes through the settings object', async () => {
    const { b, backend } = await bmc({ settingsObject: true });
    const d = driver();
    await d.setBootDevice(target(b), 'pxe', { persistent: true });
    assert.deepEqual(backend.state.boot, { target: 'Pxe', enabled: 'Continuous', mode: 'UEFI' });
    assert.ok(b.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/Settings')));
  });

  for (const variant of [{}, { virtualMediaUnder: 'Systems' as const }, { virtualMediaPatchOnly: true }]) {
    test(`virtual media (${JSON.stringify(variant)}): insert ejects what is there first, eject empties the slot`, async () => {
      const { b, backend } = await bmc(variant);
      const d = driver();
      const t = target(b);
      await d.insertMedia(t, 'cd', 'http://10.0.0.1:8080/a.iso');
      assert.deepEqual(backend.state.media, { Cd: 'http://10.0.0.1:8080/a.iso' });
      await d.insertMedia(t, 'cd', 'http://10.0.0.1:8080/b.iso');
      assert.deepEqual(backend.state.media, { Cd: 'http://10.0.0.1:8080/b.iso' });
      await d.insertMedia(t, 'usb', 'http://10.0.0.1:8080/configdrive.img');
      await d.ejectMedia(t, 'cd');
      await d.ejectMedia(t, 'cd'); // empty already: nothing to do
      assert.deepEqual(backend.state.media, { Usb: 'http://10.0.0.1:8080/configdrive.img' });
      const actions = b.requests.filter((r) => r.path.includes('/Actions/VirtualMedia')).length;
      const patches = b.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/VirtualMedia/')).length;
      if (variant.virtualMediaPatchOnly) assert.ok(actions === 0 && patches === 5, `${actions} actions, ${patches} patches`);
      else assert.ok(actions === 5 && patches === 0, `${actions} actions, ${patches} patches`);
    });
  }

  test('politeness: one request in flight per BMC, the global limit across BMCs', async () => {
    const bmcs = await Promise.all([0, 1, 2, 3].map(() => bmc({}, ['sys-1', 'sys-2'])));
    const d = driver({ maxConcurrency: 2 });
    await Promise.all(
      bmcs.flatMap(({ b }) =>
        Array.from({ length: 6 }, (_, i) => d.getPowerState(target(b, { systemId: b.systemPath(i % 2 ? 'sys-1' : 'sys-2') }))),
      ),
    );
    for (const { b } of bmcs) assert.equal(b.stats.maxInFlight, 1, 'one at a time per BMC, both systems included');
    assert.equal(d.client.stats.peakInFlight, 2);
  });

  test('bad answers: a 5xx is retryable, a 4xx is not, a hung request times out (retryable) and the next one works', async () => {
    const { b } = await bmc();
    const d = driver({ requestTimeoutMs: 500 });
    const t = target(b);
    await d.getPowerState(t);
    b.failNext({ status: 503, method: 'GET', path: /Systems/ });
    const e5 = await d.getPowerState(t).catch((x) => x);
    assert.ok(e5 instanceof RedfishHttpError && e5.retryable && e5.status === 503, String(e5));
    assert.match(e5.message, /HTTP 503: Injected fault/);
    b.failNext({ status: 400, method: 'POST' });
    const e4 = await d.setPower(t, 'on').catch((x) => x);
    assert.ok(e4 instanceof RedfishHttpError && !e4.retryable, String(e4));
    b.failNext({ hang: true, method: 'GET', path: /Systems/ });
    const et = await d.getPowerState(t).catch((x) => x);
    assert.ok(et instanceof RedfishTimeoutError && et.retryable, String(et));
    assert.equal(await d.getPowerState(t), 'power off');
  });
});
