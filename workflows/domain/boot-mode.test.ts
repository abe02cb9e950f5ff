import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bootModeProblems, parseCapabilities, resolveBootMode } from './boot-mode';

describe('parseCapabilities', () => {
  test('reads Ironic\'s "k:v,k:v" string, spaces trimmed, malformed entries ignored as Ironic does', () => {
    assert.deepEqual(parseCapabilities('boot_mode:uefi, disk_label:gpt,broken,a:b:c,:x'), { boot_mode: 'uefi', disk_label: 'gpt' });
    assert.deepEqual(parseCapabilities(''), {});
    assert.deepEqual(parseCapabilities(undefined), {});
  });
  test('a flat object is read the same way; other JSON is a problem', () => {
    assert.deepEqual(parseCapabilities({ boot_mode: 'bios', secure_boot: false }), { boot_mode: 'bios', secure_boot: 'false' });
    assert.match((parseCapabilities(['boot_mode:uefi']) as { problem: string }).problem, /key:value pairs/);
    assert.match((parseCapabilities(7) as { problem: string }).problem, /key:value pairs/);
  });
});

describe('resolveBootMode', () => {
  const caps = (c: unknown) => ({ properties: { capabilities: c } });
  test('instance_info.deploy_boot_mode over properties.capabilities over the default', () => {
    assert.equal(resolveBootMode({}, 'bios'), 'bios');
    assert.equal(resolveBootMode({}, 'uefi'), 'uefi');
    assert.equal(resolveBootMode(caps('boot_mode:uefi'), 'bios'), 'uefi');
    assert.equal(resolveBootMode(caps('cpu_vt:true,boot_mode:bios'), 'uefi'), 'bios');
    assert.equal(resolveBootMode({ ...caps('boot_mode:bios'), instanceInfo: { deploy_boot_mode: 'uefi' } }, 'bios'), 'uefi');
    assert.equal(resolveBootMode({ ...caps('boot_mode:uefi'), instanceInfo: { deploy_boot_mode: 'bios' } }, 'uefi'), 'bios');
  });
  test('case and quotes do not matter (Ironic lowercases and strips quotes)', () => {
    assert.equal(resolveBootMode(caps('boot_mode:UEFI'), 'bios'), 'uefi');
    assert.equal(resolveBootMode({ instanceInfo: { deploy_boot_mode: ' "Bios" ' } }, 'uefi'), 'bios');
  });
  test('null deploy_boot_mode and capabilities without boot_mode fall through', () => {
    assert.equal(resolveBootMode({ ...caps('disk_label:gpt'), instanceInfo: { deploy_boot_mode: null } }, 'uefi'), 'uefi');
  });
});

describe('bootModeProblems', () => {
  test('valid settings: none', () => {
    assert.deepEqual(bootModeProblems({}), []);
    assert.deepEqual(bootModeProblems({ properties: { capabilities: 'boot_mode:uefi' }, instanceInfo: { deploy_boot_mode: 'BIOS' } }), []);
    assert.deepEqual(bootModeProblems({ properties: { capabilities: 'secure_boot:true,junk' } }), []);
  });
  test('bad values are named with where they are and what is allowed', () => {
    assert.deepEqual(bootModeProblems({ properties: { capabilities: 'boot_mode:efi' } }), [
      'Invalid boot_mode "efi" in properties/capabilities: use bios or uefi (e.g. "boot_mode:uefi").',
    ]);
    assert.deepEqual(bootModeProblems({ instanceInfo: { deploy_boot_mode: 'legacy' } }), [
      'Invalid instance_info/deploy_boot_mode "legacy": use bios or uefi.',
    ]);
    assert.equal(bootModeProblems({ properties: { capabilities: 5 }, instanceInfo: { deploy_boot_mode: 1 } }).length, 2);
  });
});
