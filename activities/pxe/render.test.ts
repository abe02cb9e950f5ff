// Golden-file tests: each rendered boot file is compared byte for byte with
// activities/pxe/testdata/<name>.golden. Regenerate with UPDATE_GOLDEN=1.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import {
  ipxeScriptFileName,
  pxeConfigFileName,
  renderDnsmasqHost,
  renderIpxeChainScript,
  renderIpxeScript,
  renderPxelinuxConfig,
  type BootConfig,
} from './render';
import { InvalidBootParameterError } from './validate';

function golden(name: string, actual: string): void {
  const file = path.join(repoRoot(), 'activities', 'pxe', 'testdata', `${name}.golden`);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} differs from ${file}`);
}

const deployIscsi: BootConfig = {
  kind: 'deploy',
  kernel: 'ironflow/deploy/4f1c2a.kernel',
  ramdisk: 'ironflow/deploy/9be07d.initrd',
  deploymentId: 'dep-6b1f4c2e-0a55-4f3e-9d0b-2f5c8e7a1b90',
  secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
  callbackUrl: 'http://10.0.0.1:6385/v1/heartbeat/dep-6b1f4c2e-0a55-4f3e-9d0b-2f5c8e7a1b90',
  mode: 'iscsi',
  iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-7', port: 3260, chapUser: 'ironflow-node-7', chapSecret: 'Zr8mK2pQ7vX4nW9a' },
  disk: 'sda',
  append: 'console=ttyS0,115200n8 nomodeset',
};

const deployDirect: BootConfig = {
  kind: 'deploy',
  kernel: 'ironflow/deploy/4f1c2a.kernel',
  ramdisk: 'ironflow/deploy/9be07d.initrd',
  deploymentId: 'dep-2',
  secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
  callbackUrl: 'https://ironflow.example.org/v1/heartbeat/dep-2',
  mode: 'direct',
  imageUrl: 'http://10.0.0.1:8080/images/sha256-e3b0c442.raw',
  imageChecksum: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
};

const erase: BootConfig = {
  kind: 'deploy',
  kernel: 'ironflow/deploy/4f1c2a.kernel',
  ramdisk: 'ironflow/deploy/9be07d.initrd',
  deploymentId: 'erase-9',
  secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
  callbackUrl: 'http://10.0.0.1:6385/v1/heartbeat/erase-9',
  mode: 'erase',
  // Not applicable to erase: must not appear.
  iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-9', port: 3260 },
};

const netboot: BootConfig = {
  kind: 'netboot',
  kernel: 'ironflow/node-7/vmlinuz',
  ramdisk: 'ironflow/node-7/initrd.img',
  root: 'UUID=0b1d7a46-2c4e-4d2c-9a57-1a2b3c4d5e6f',
  append: ['console=tty0', 'quiet'],
};

describe('boot file rendering (golden files)', () => {
  test('deploy, iscsi mode with CHAP: pxelinux and iPXE', () => {
    golden('deploy-iscsi.pxelinux', renderPxelinuxConfig(deployIscsi));
    golden('deploy-iscsi.ipxe', renderIpxeScript(deployIscsi));
  });
  test('deploy, direct mode, iPXE over HTTP', () => {
    golden('deploy-direct.pxelinux', renderPxelinuxConfig(deployDirect));
    golden('deploy-direct.ipxe', renderIpxeScript(deployDirect, { httpBootUrl: 'http://10.0.0.1:8080/boot/' }));
  });
  test('direct mode with a target (for the config drive): the image parameters and the target, CHAP included', () => {
    const line = renderPxelinuxConfig({
      ...deployDirect,
      iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-2', port: 3260, chapUser: 'ironflow-2', chapSecret: 'Zr8mK2pQ7vX4nW9a' },
    });
    for (const p of [
      'ironflow.mode=direct',
      'ironflow.image_url=',
      'ironflow.iqn=iqn.2026-11.org.ironflow:node-2',
      'ironflow.chap_user=ironflow-2',
    ])
      assert.ok(line.includes(p), `${p} in ${line}`);
  });
  test('erase mode emits only the parameters that apply', () => {
    golden('deploy-erase.pxelinux', renderPxelinuxConfig(erase));
    assert.ok(!renderPxelinuxConfig(erase).includes('ironflow.iqn'));
  });
  test('inspect mode: the mode and BOOTIF, never a target or an image', () => {
    const inspect: BootConfig = { ...erase, mode: 'inspect', disk: undefined };
    const text = renderPxelinuxConfig(inspect);
    assert.match(text, / ironflow\.mode=inspect( |$)/m);
    assert.match(text, /^ {2}ipappend 2$/m);
    assert.ok(!/ironflow\.(iqn|chap|image)/.test(text), text);
    assert.match(renderIpxeScript(inspect), / ironflow\.mode=inspect BOOTIF=01-\$\{mac:hexhyp\}/);
  });
  test('rescue mode: the mode and BOOTIF; no target even when given CHAP credentials, no image', () => {
    const rescue: BootConfig = {
      ...erase,
      mode: 'rescue',
      disk: undefined,
      iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-3', port: 3260, chapUser: 'ironflow-3', chapSecret: 'Zr8mK2pQ7vX4nW9a' },
    };
    const text = renderPxelinuxConfig(rescue);
    assert.match(text, / ironflow\.mode=rescue( |$)/m);
    assert.ok(!/ironflow\.(iqn|chap|image|iscsi)/.test(text), text);
    assert.match(renderIpxeScript(rescue), / ironflow\.mode=rescue BOOTIF=01-\$\{mac:hexhyp\}/);
  });
  test('final boot from local disk', () => {
    golden('local.pxelinux', renderPxelinuxConfig({ kind: 'local' }));
    golden('local.ipxe', renderIpxeScript({ kind: 'local' }));
  });
  test('final netboot: user kernel and ramdisk, root on the local disk', () => {
    golden('netboot.pxelinux', renderPxelinuxConfig(netboot));
    golden('netboot.ipxe', renderIpxeScript(netboot));
  });
  test('iPXE chain script and dnsmasq host lines', () => {
    golden('chain.ipxe', renderIpxeChainScript());
    golden(
      'dnsmasq-hosts',
      renderDnsmasqHost('52:54:00:12:34:56', { ip: '10.0.0.50', hostname: 'node-7', tag: 'ironflow' }) +
        renderDnsmasqHost('52:54:00:AB:CD:EF') +
        renderDnsmasqHost('52:54:00:00:00:01', { ignore: true }),
    );
  });
});

describe('file names', () => {
  test('pxelinux and iPXE names come from the MAC, lower-cased', () => {
    assert.equal(pxeConfigFileName('AA:BB:CC:DD:EE:0F'), 'pxelinux.cfg/01-aa-bb-cc-dd-ee-0f');
    assert.equal(ipxeScriptFileName('aa:bb:cc:dd:ee:0f'), 'ipxe.cfg/aa-bb-cc-dd-ee-0f');
  });
  test('anything but xx:xx:xx:xx:xx:xx is refused', () => {
    for (const bad of [
      'aa-bb-cc-dd-ee-ff',
      'aa:bb:cc:dd:ee',
      'aa:bb:cc:dd:ee:ff:00',
      '../../etc/passwd',
      'aa:bb:cc:dd:ee:fg',
      ' aa:bb:cc:dd:ee:ff',
      'aa:bb:cc:dd:ee:ff\n',
    ]) {
      assert.throws(() => pxeConfigFileName(bad), InvalidBootParameterError, bad);
    }
  });
});

describe('injection is refused', () => {
  const withDeploy = (over: Record<string, unknown>) => () => renderPxelinuxConfig({ ...deployIscsi, ...over } as BootConfig);
  test('spaces, newlines, quotes and $ in values', () => {
    assert.throws(withDeploy({ deploymentId: 'a b' }), /deployment id/);
    assert.throws(withDeploy({ callbackUrl: 'http://x/\nlabel evil' }), /callback URL/);
    assert.throws(withDeploy({ callbackUrl: 'http://x/"a' }), /callback URL/);
    assert.throws(withDeploy({ disk: 'sda ironflow.mode=erase' }), /disk hint/);
    assert.throws(withDeploy({ secret: 'short' }), /deployment secret/);
    assert.throws(withDeploy({ secret: 'a'.repeat(20) + '${x}' }), /deployment secret/);
    assert.throws(
      withDeploy({ iscsi: { iqn: 'iqn.2026-11.org.x:n', port: 3260, chapUser: 'u', chapSecret: 'has space in it' } }),
      /CHAP secret/,
    );
    assert.throws(withDeploy({ iscsi: { iqn: 'iqn.2026-11.org.x:n', port: 3260, chapUser: 'u' } }), /both CHAP/);
    assert.throws(withDeploy({ iscsi: { iqn: 'not-an-iqn', port: 3260 } }), /IQN/);
    assert.throws(withDeploy({ mode: 'reboot' }), /deploy mode/);
  });
  test('operator append may not override the contract or smuggle lines', () => {
    assert.throws(withDeploy({ append: 'ironflow.mode=erase' }), /ironflow\.\*/);
    assert.throws(withDeploy({ append: ['initrd=/evil'] }), /set by Ironflow/);
    assert.throws(withDeploy({ append: ['a\nkernel evil'] }), /not allowed/);
  });
  test('paths may not climb out of the boot root', () => {
    assert.throws(withDeploy({ kernel: '../../etc/shadow' }), /kernel path/);
    assert.throws(withDeploy({ ramdisk: '/abs/initrd' }), /ramdisk path/);
    assert.throws(() => renderPxelinuxConfig({ ...netboot, root: '/dev/sda1 init=/bin/sh' } as BootConfig), /root device/);
  });
  test('a command line longer than the kernel accepts is refused', () => {
    assert.throws(withDeploy({ append: Array.from({ length: 200 }, (_, i) => `opt${i}=xxxxxxxx`) }), /limit is 2048/);
  });
  test('dnsmasq host options are validated', () => {
    assert.throws(() => renderDnsmasqHost('52:54:00:12:34:56', { ip: '10.0.0.300' }), /IPv4/);
    assert.throws(() => renderDnsmasqHost('52:54:00:12:34:56', { hostname: 'a,b' }), /host name/);
    assert.throws(() => renderDnsmasqHost('52:54:00:12:34:56', { tag: 'x y' }), /dnsmasq tag/);
  });
});
