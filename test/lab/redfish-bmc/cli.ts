// Runs a Redfish BMC emulator with in-memory systems in the foreground, for trying
// clients against it by hand:
//   node dist/test/lab/redfish-bmc/cli.js --dir .data/redfish [--systems 2] [--port 8443] [--power-delay-ms 300]
//   ... --vm-dirs <dir>/vm-0,<dir>/vm-1 [--cert-address 10.x.y.1]: the VM lab's VMs instead (qemu-backend.ts),
//   one System per VM named after its directory (the VM lab starts it so with --bmc redfish)
// Prints one JSON line (url, caFile, username, system paths); the password is in <dir>/password.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MemoryBackend } from './memory-backend';
import { QemuBackend } from './qemu-backend';
import { startRedfishBmc } from './server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: '.data/redfish' },
      systems: { type: 'string', default: '1' },
      port: { type: 'string', default: '0' },
      'power-delay-ms': { type: 'string', default: '300' },
      'vm-dirs': { type: 'string' },
      'cert-address': { type: 'string' },
    },
  });
  const dir = path.resolve(values.dir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = crypto.randomBytes(9).toString('base64url');
  fs.writeFileSync(path.join(dir, 'password'), password, { mode: 0o600 });
  const vmDirs = values['vm-dirs'] ? values['vm-dirs'].split(',').filter(Boolean) : undefined;
  const ids = vmDirs ? vmDirs.map((d) => path.basename(d)) : Array.from({ length: Number(values.systems) }, (_, i) => `system-${i}`);
  const bmc = await startRedfishBmc({
    dir,
    password,
    port: Number(values.port),
    powerDelayMs: Number(values['power-delay-ms']),
    systems: ids.map((id, i) => ({ id, backend: vmDirs ? new QemuBackend(vmDirs[i]!) : new MemoryBackend() })),
    certAddresses: values['cert-address'] ? [values['cert-address']] : undefined,
  });
  console.log(JSON.stringify({ url: bmc.url, caFile: bmc.caFile, username: bmc.username, systems: ids.map((id) => bmc.systemPath(id)) }));
  const stop = () => void bmc.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
