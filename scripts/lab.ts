// `npm run lab -- up --nodes N | status | down`: the virtual lab of test/lab, wired to
// a running Ironflow: its simulated servers PXE-boot from Ironflow's boot root, and
// `up` enrolls them through the API (manage, then provide) so they are ready to deploy.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startLab } from '#test/lab/lab';
import { labState, readLabState, stopLabFromState, writeLabState } from '#test/lab/lab-state';

const V = { 'X-OpenStack-Ironic-API-Version': '1.78', 'Content-Type': 'application/json' };

async function call(api: string, method: string, p: string, body?: unknown): Promise<any> {
  const r = await fetch(`${api}${p}`, { method, headers: V, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text ? JSON.parse(JSON.parse(text).error_message).faultstring : ''}`);
  return text ? JSON.parse(text) : undefined;
}

async function settle(api: string, uuid: string, want: string): Promise<void> {
  const deadline = performance.now() + 300_000; // monotonic: immune to wall-clock steps
  for (;;) {
    const n = await call(api, 'GET', `/v1/nodes/${uuid}`);
    if (n.provision_state === want && n.target_provision_state === null) return;
    if (n.target_provision_state === null && n.provision_state !== want)
      throw new Error(`node ${n.name} is ${n.provision_state}: ${n.last_error}`);
    if (performance.now() > deadline) throw new Error(`node ${n.name} did not reach ${want}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface LabUpOptions {
  nodes: number;
  dir: string;
  bootRoot: string;
  api: string;
  diskSize?: number;
  enroll?: boolean;
}

export async function labUp(o: LabUpOptions): Promise<void> {
  const existing = readLabState(o.dir);
  if (existing) await stopLabFromState(o.dir);
  fs.mkdirSync(o.bootRoot, { recursive: true });
  const lab = await startLab({ nodes: o.nodes, dir: o.dir, tftpRoot: o.bootRoot, diskSize: o.diskSize });
  writeLabState(o.dir, labState(lab));
  const diskGiB = Math.max(1, Math.floor((o.diskSize ?? 1024 ** 3) / 1024 ** 3));
  for (const n of lab.nodes) {
    let line = `${n.name}  ${n.mac}  BMC 127.0.0.1:${n.bmc.port} (admin, password in ${n.bmc.passwordFile})  disk ${n.diskPath}`;
    if (o.enroll !== false) {
      const old = await call(o.api, 'GET', `/v1/nodes/${n.name}`).catch(() => undefined);
      if (old) {
        await call(o.api, 'PUT', `/v1/nodes/${old.uuid}/maintenance`, { reason: 'lab restarted' });
        await call(o.api, 'DELETE', `/v1/nodes/${old.uuid}`);
      }
      const node = await call(o.api, 'POST', '/v1/nodes', {
        name: n.name,
        driver: 'ipmi',
        resource_class: 'lab',
        driver_info: {
          ipmi_address: n.bmc.address,
          ipmi_port: n.bmc.port,
          ipmi_username: n.bmc.username,
          ipmi_password: fs.readFileSync(n.bmc.passwordFile, 'utf8').trim(),
        },
        properties: { cpus: 1, memory_mb: 1024, local_gb: diskGiB, cpu_arch: 'x86_64' },
      });
      await call(o.api, 'POST', '/v1/ports', { address: n.mac, node_uuid: node.uuid });
      await call(o.api, 'PUT', `/v1/nodes/${node.uuid}/states/provision`, { target: 'manage' });
      await settle(o.api, node.uuid, 'manageable');
      await call(o.api, 'PUT', `/v1/nodes/${node.uuid}/states/provision`, { target: 'provide' });
      await settle(o.api, node.uuid, 'available');
      line += `  enrolled ${node.uuid} (available)`;
    }
    console.log(`  ${line}`);
  }
}

export async function labDown(dir: string, api?: string): Promise<void> {
  const st = readLabState(dir);
  if (!st) return;
  if (api) {
    for (const n of st.nodes) {
      const node = await call(api, 'GET', `/v1/nodes/${n.name}`).catch(() => undefined);
      if (!node) continue;
      await call(api, 'PUT', `/v1/nodes/${node.uuid}/maintenance`, { reason: 'lab down' }).catch(() => undefined);
      await call(api, 'DELETE', `/v1/nodes/${node.uuid}`).catch((e) =>
        console.error(`  could not delete ${n.name}: ${(e as Error).message}`),
      );
    }
  }
  await stopLabFromState(dir);
}

async function main(): Promise<void> {
  const [cmd = 'help', ...rest] = process.argv.slice(2);
  const opt = (k: string, d?: string) => {
    const i = rest.indexOf(`--${k}`);
    return i >= 0 ? rest[i + 1] : d;
  };
  const dataDir = process.env.IRONFLOW_DATA_DIR ?? path.join(repoRoot(), '.data');
  const dir = opt('dir', path.join(dataDir, 'lab'))!;
  const api = opt('api', `http://127.0.0.1:${process.env.IRONFLOW_API_PORT ?? 6385}`)!;
  const bootRoot = process.env.IRONFLOW_BOOT_ROOT ?? path.join(dataDir, 'tftp');
  if (cmd === 'up') {
    const size = opt('disk-size-mib');
    await labUp({
      nodes: Number(opt('nodes', '3')),
      dir,
      bootRoot,
      api,
      diskSize: size ? Number(size) * 1024 * 1024 : undefined,
      enroll: !rest.includes('--no-enroll'),
    });
  } else if (cmd === 'down') {
    await labDown(dir, rest.includes('--keep-nodes') ? undefined : api);
    console.log('lab down');
  } else if (cmd === 'status') {
    const st = readLabState(dir);
    console.log(
      st
        ? JSON.stringify(
            st.nodes.map((n) => ({ name: n.name, mac: n.mac, bmc: `${n.bmc.address}:${n.bmc.port}`, disk: n.diskPath })),
            null,
            2,
          )
        : 'no lab',
    );
  } else {
    console.log('usage: npm run lab -- up [--nodes N] [--disk-size-mib M] [--no-enroll] | status | down [--keep-nodes]');
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
