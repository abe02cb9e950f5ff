// The boot side of discovery on a real boot root and hostsdir: on writes the default configs (the
// ramdisk in discover mode, reporting to /v1/discovery) and the wildcard dnsmasq entry; off removes
// what Ironflow wrote and leaves an operator's own default config alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyDiscoveryBoot } from './discovery-boot';
import { prepareBootRoot } from './boot-root';

function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'discovery-boot-'));
  const bootRoot = path.join(dir, 'tftp');
  fs.mkdirSync(bootRoot);
  fs.writeFileSync(path.join(dir, 'kernel'), 'K');
  fs.writeFileSync(path.join(dir, 'initrd'), 'I');
  return {
    dir,
    c: {
      bootRoot,
      dhcpHostsDir: path.join(dir, 'hosts'),
      deployKernel: path.join(dir, 'kernel'),
      deployRamdisk: path.join(dir, 'initrd'),
      callbackBase: 'http://10.0.0.1:6385/',
      ramdiskAppend: 'console=ttyS0,115200',
    },
  };
}

test('on: pxelinux default and ipxe.cfg/default boot the discover ramdisk; dnsmasq tags every MAC', async () => {
  const { dir, c } = setup();
  try {
    const files = await applyDiscoveryBoot({ ...c, enabled: true, httpBootUrl: 'http://10.0.0.1:8080/' });
    assert.deepEqual(files.slice(0, 2), ['pxelinux.cfg/default', 'ipxe.cfg/default']);
    const pxe = fs.readFileSync(path.join(c.bootRoot, 'pxelinux.cfg', 'default'), 'utf8');
    assert.match(pxe, /^default discover$/m);
    assert.match(
      pxe,
      /^ {2}append initrd=ironflow\/boot\/[0-9a-f]{64}\.ramdisk ironflow\.mode=discover ironflow\.callback=http:\/\/10\.0\.0\.1:6385\/v1\/discovery console=ttyS0,115200$/m,
    );
    assert.match(pxe, /^ {2}ipappend 2$/m);
    assert.doesNotMatch(pxe, /ironflow\.(secret|deployment)=/);
    const ipxe = fs.readFileSync(path.join(c.bootRoot, 'ipxe.cfg', 'default'), 'utf8');
    assert.match(
      ipxe,
      /^kernel http:\/\/10\.0\.0\.1:8080\/ironflow\/boot\/[0-9a-f]{64}\.kernel initrd=ramdisk ironflow\.mode=discover .* BOOTIF=01-\$\{mac:hexhyp\} \|\| goto retry$/m,
    );
    assert.equal(fs.readFileSync(path.join(c.dhcpHostsDir, 'discovery'), 'utf8'), '*:*:*:*:*:*,set:ironflow\n');
    prepareBootRoot(c.bootRoot, [], undefined, true);
    assert.match(
      fs.readFileSync(path.join(c.bootRoot, 'boot.ipxe'), 'utf8'),
      /^chain \/ipxe\.cfg\/\$\{mac:hexhyp\} \|\| chain \/ipxe\.cfg\/default \|\| exit 0$/m,
    );

    await applyDiscoveryBoot({ ...c, enabled: false });
    assert.ok(!fs.existsSync(path.join(c.bootRoot, 'pxelinux.cfg', 'default')));
    assert.ok(!fs.existsSync(path.join(c.bootRoot, 'ipxe.cfg', 'default')));
    assert.ok(!fs.existsSync(path.join(c.dhcpHostsDir, 'discovery')));
    prepareBootRoot(c.bootRoot, [], undefined, false);
    assert.match(fs.readFileSync(path.join(c.bootRoot, 'boot.ipxe'), 'utf8'), /^chain \/ipxe\.cfg\/\$\{mac:hexhyp\} \|\| exit 0$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("off: an operator's own default config is not Ironflow's to remove", async () => {
  const { dir, c } = setup();
  try {
    fs.mkdirSync(path.join(c.bootRoot, 'pxelinux.cfg'));
    fs.writeFileSync(path.join(c.bootRoot, 'pxelinux.cfg', 'default'), 'default local\n');
    await applyDiscoveryBoot({ ...c, enabled: false });
    assert.equal(fs.readFileSync(path.join(c.bootRoot, 'pxelinux.cfg', 'default'), 'utf8'), 'default local\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
