// The deploy ISO built with the real tools (xorriso, grub-mkstandalone, mtools): both El
// Torito entries (BIOS isolinux, UEFI FAT image), the configs on it, idempotence by
// content, and removal per node. Booting it is vm-vmedia-iso.test.ts's job.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../shared/command-runner';
import { buildDeployIso, deployIsoFile, removeDeployIsos } from './deploy-iso';
import type { DeployIsoParams } from './render';

const NODE_A = '0b1d7a46-2c4e-4d2c-9a57-1a2b3c4d5e6f';
const NODE_B = '7c2e8b57-3d5f-4e3d-8b68-2b3c4d5e6f70';
const params: DeployIsoParams = {
  deploymentId: '5a1e7c9d-0000-4000-8000-000000000001',
  secret: 'q8Vd3Jx0Lr2nT5wYb7HkPz4MfA1cE6gS',
  callbackUrl: 'http://10.0.0.1:6385/v1/deployments/5a1e7c9d-0000-4000-8000-000000000001/callback',
  mode: 'iscsi',
  iscsi: { iqn: 'iqn.2026-11.org.ironflow:node-a', port: 3260 },
  mac: '52:54:00:ab:cd:0e',
  network: { address: '10.0.0.15/24' },
};

async function extract(iso: string, file: string): Promise<string> {
  const out = path.join(path.dirname(iso), `.extract-${path.basename(file)}`);
  await runCommand({ file: 'xorriso', args: ['-osirrox', 'on', '-indev', iso, '-extract', file, out], timeoutMs: 60_000 });
  try {
    return fs.readFileSync(out, 'latin1');
  } finally {
    fs.rmSync(out, { force: true });
  }
}

describe('deploy ISO (xorriso, isolinux, GRUB)', () => {
  let dir: string;
  let kernel: string;
  let ramdisk: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-vmedia-'));
    kernel = path.join(dir, 'k');
    ramdisk = path.join(dir, 'r');
    fs.writeFileSync(kernel, Buffer.alloc(300_000, 1));
    fs.writeFileSync(ramdisk, Buffer.alloc(500_000, 2));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('BIOS and UEFI El Torito entries; the configs carry the parameters; 0600', async () => {
    const vm = path.join(dir, 'vmedia');
    const iso = await buildDeployIso(vm, { nodeUuid: NODE_A, kernelFile: kernel, ramdiskFile: ramdisk, params });
    assert.equal(iso.built, true);
    assert.match(iso.name, new RegExp(`^${NODE_A}-[0-9a-f]{64}\\.iso$`));
    assert.equal(fs.statSync(iso.path).mode & 0o777, 0o600);
    const r = await runCommand({ file: 'xorriso', args: ['-indev', iso.path, '-report_el_torito', 'plain'], timeoutMs: 60_000 });
    const report = r.stdout + r.stderr;
    assert.match(report, /El Torito boot img :\s+1\s+BIOS\s+y\s+none/, report);
    assert.match(report, /El Torito boot img :\s+2\s+UEFI\s+y\s+none/, report);
    assert.match(report, /El Torito img path :\s+1\s+\/isolinux\/isolinux\.bin/, report);
    assert.match(report, /El Torito img path :\s+2\s+\/boot\/efiboot\.img/, report);
    const isolinux = await extract(iso.path, '/isolinux/isolinux.cfg');
    assert.match(
      isolinux,
      /append initrd=\/ironflow\/ramdisk ironflow\.deployment=5a1e7c9d-\S+ ironflow\.secret=q8Vd3J\S+ .* BOOTIF=01-52-54-00-ab-cd-0e ironflow\.ip=10\.0\.0\.15\/24$/m,
    );
    const grub = await extract(iso.path, '/boot/grub/grub.cfg');
    assert.match(grub, /^ {2}linux \/ironflow\/kernel ironflow\.deployment=.* ironflow\.ip=10\.0\.0\.15\/24$/m);
    assert.equal((await extract(iso.path, '/ironflow/kernel')).length, 300_000);
    // The EFI image holds GRUB where firmware looks for it.
    const efi = path.join(dir, 'efi.img');
    await runCommand({
      file: 'xorriso',
      args: ['-osirrox', 'on', '-indev', iso.path, '-extract', '/boot/efiboot.img', efi],
      timeoutMs: 60_000,
    });
    const dirList = await runCommand({ file: 'mdir', args: ['-i', efi, '-b', '::/EFI/BOOT'], timeoutMs: 60_000 });
    assert.match(dirList.stdout, /BOOTX64\.EFI/i);
  });

  test('same inputs: the same name, not rebuilt; other parameters: another ISO; removal is per node', async () => {
    const vm = path.join(dir, 'vmedia2');
    const a = await buildDeployIso(vm, { nodeUuid: NODE_A, kernelFile: kernel, ramdiskFile: ramdisk, params });
    const mtime = fs.statSync(a.path).mtimeMs;
    const again = await buildDeployIso(vm, { nodeUuid: NODE_A, kernelFile: kernel, ramdiskFile: ramdisk, params });
    assert.deepEqual(again, { ...a, built: false });
    assert.equal(fs.statSync(a.path).mtimeMs, mtime);
    const other = await buildDeployIso(vm, {
      nodeUuid: NODE_A,
      kernelFile: kernel,
      ramdiskFile: ramdisk,
      params: { ...params, network: undefined },
    });
    assert.notEqual(other.name, a.name);
    const b = await buildDeployIso(vm, { nodeUuid: NODE_B, kernelFile: kernel, ramdiskFile: ramdisk, params });
    assert.deepEqual((await removeDeployIsos(vm, NODE_A)).sort(), [a.name, other.name].sort());
    assert.ok(fs.existsSync(b.path));
    assert.ok(!fs.existsSync(a.path));
    assert.deepEqual(await removeDeployIsos(vm, NODE_A), []);
    assert.equal(deployIsoFile(vm, b.name), b.path);
    assert.equal(deployIsoFile(vm, '../x.iso'), undefined);
    assert.equal(deployIsoFile(vm, '.loader'), undefined);
  });
});
