// Golden-file tests of the ISO's boot configs (activities/vmedia/testdata/<name>.golden;
// regenerate with UPDATE_GOLDEN=1) and the checks on the static address.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { InvalidBootParameterError } from '../pxe';
import { isoKernelParams, renderGrubConfig, renderGrubEmbeddedConfig, renderIsolinuxConfig, type DeployIsoParams } from './render';

function golden(name: string, actual: string): void {
  const file = path.join(repoRoot(), 'activities', 'vmedia', 'testdata', `${name}.golden`);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} differs from ${file}`);
}

const direct: DeployIsoParams = {
  deploymentId: 'dep-2',
  secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
  callbackUrl: 'http://10.0.0.1:6385/v1/deployments/dep-2/callback',
  mode: 'direct',
  imageUrl: 'http://10.0.0.1:6386/images/dep-2/tok3nTok3nTok3nX',
  imageChecksum: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  append: 'console=ttyS0,115200n8',
  mac: '52:54:00:AB:CD:0E',
};

describe('deploy ISO configs', () => {
  test('DHCP (no static address): isolinux and GRUB boot the ramdisk with the PXE parameters and BOOTIF', () => {
    const p = isoKernelParams(direct);
    golden('direct-dhcp.isolinux.cfg', renderIsolinuxConfig(p));
    golden('direct-dhcp.grub.cfg', renderGrubConfig(p));
    assert.ok(p.includes('BOOTIF=01-52-54-00-ab-cd-0e'));
    assert.ok(!p.some((x) => x.startsWith('ironflow.ip=')));
  });

  test('a static address and gateway come after BOOTIF', () => {
    const p = isoKernelParams({ ...direct, network: { address: '10.0.0.15/24', gateway: '10.0.0.1' } });
    golden('direct-static.grub.cfg', renderGrubConfig(p));
    assert.deepEqual(p.slice(-3), ['BOOTIF=01-52-54-00-ab-cd-0e', 'ironflow.ip=10.0.0.15/24', 'ironflow.gateway=10.0.0.1']);
  });

  test('the embedded GRUB config finds the ISO by its marker', () => {
    golden('grub-embedded.cfg', renderGrubEmbeddedConfig());
  });

  test('bad addresses, gateways and MACs are refused', () => {
    for (const address of ['10.0.0.15', '10.0.0.300/24', '10.0.0.1/33', '10.0.0.1/24 init=/bin/sh', 'fe80::1/64']) {
      assert.throws(() => isoKernelParams({ ...direct, network: { address } }), InvalidBootParameterError, address);
    }
    assert.throws(() => isoKernelParams({ ...direct, network: { address: '10.0.0.2/24', gateway: 'router' } }), InvalidBootParameterError);
    assert.throws(() => isoKernelParams({ ...direct, mac: '52:54:00:ab:cd' }), InvalidBootParameterError);
  });
});
