// How the ipmitool driver builds its command line, checked with a stand-in
// executable that records what it was given (the real ipmitool runs in
// test/ipmi/power-driver.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IpmitoolDriver } from './ipmitool-driver';

let dir: string;
let fake: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ipmitool-argv-'));
  fake = path.join(dir, 'ipmitool');
  fs.writeFileSync(
    fake,
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${dir}/argv"\nprintf '%s' "$IPMI_PASSWORD" > "${dir}/env"\necho "Chassis Power is on"\n`,
    { mode: 0o755 },
  );
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const target = { address: '10.0.0.9', port: 6230, username: 'root', password: 'Sup3r-Secret' };

test('password only in IPMI_PASSWORD (-E), never in argv; lanplus, -C 3 by default', async () => {
  const d = new IpmitoolDriver({ binary: fake });
  assert.equal(await d.getPowerState(target), 'power on');
  const argv = fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n');
  assert.ok(!argv.some((a) => a.includes('Sup3r-Secret')));
  assert.ok(!argv.includes('-P'));
  assert.equal(fs.readFileSync(path.join(dir, 'env'), 'utf8'), 'Sup3r-Secret');
  const after = (flag: string): string | undefined => argv[argv.indexOf(flag) + 1];
  assert.ok(argv.includes('-E'));
  assert.equal(after('-I'), 'lanplus');
  assert.equal(after('-C'), '3');
  assert.equal(after('-H'), '10.0.0.9');
  assert.equal(after('-p'), '6230');
  assert.equal(after('-U'), 'root');
  assert.deepEqual(argv.slice(-2), ['power', 'status']);
});

test('cipher suite from the target; boot device as raw Set System Boot Options bytes', async () => {
  const d = new IpmitoolDriver({ binary: fake });
  await d.setBootDevice({ ...target, cipherSuite: 17 }, 'pxe', { persistent: true, uefi: true });
  const argv = fs.readFileSync(path.join(dir, 'argv'), 'utf8').trim().split('\n');
  assert.equal(argv[argv.indexOf('-C') + 1], '17');
  assert.deepEqual(argv.slice(argv.indexOf('raw')), ['raw', '0x00', '0x08', '0x05', '0xe0', '0x04', '0x00', '0x00', '0x00']);
});
