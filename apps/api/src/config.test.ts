import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../shared/config';
import { loadApiConfig } from './config';

const BASE = { IRONFLOW_SECRET_KEY: 'a'.repeat(64), IRONFLOW_DATA_DIR: '/tmp' };

test('IRONFLOW_DEFAULT_BOOT_MODE: bios by default, uefi (any case) when set, anything else names the variable and the choices', () => {
  assert.equal(loadApiConfig(BASE).defaultBootMode, 'bios');
  assert.equal(loadApiConfig({ ...BASE, IRONFLOW_DEFAULT_BOOT_MODE: 'UEFI' }).defaultBootMode, 'uefi');
  assert.throws(
    () => loadApiConfig({ ...BASE, IRONFLOW_DEFAULT_BOOT_MODE: 'efi' }),
    (e: unknown) => e instanceof ConfigError && /IRONFLOW_DEFAULT_BOOT_MODE=efi: use bios or uefi/.test(e.message),
  );
});
