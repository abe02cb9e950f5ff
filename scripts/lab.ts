// `npm run lab -- up [--nodes N] [--vms M [--firmware bios|uefi] [--bmc redfish]] | status [--json] | down`:
// the virtual lab of test/lab, wired to a running Ironflow. Simulated servers
// (`--nodes`) PXE-boot from Ironflow's boot root on the host; QEMU VMs (`--vms`)
// PXE-boot on a real provisioning network (namespace, bridge, dnsmasq; see
// test/lab/vm-lab.ts). `up` enrolls them through the API (manage, then provide)
// so they are ready to deploy.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startLab } from '#test/lab/lab';
import { emptyLabState, labState, readLabState, stopLabFromState, writeLabState, type LabState } from '#test/lab/lab-state';
import { destroyDerivedVmNetwork, startVmLab, vmLabWorkerEnv, type Firmware } from '#test/lab/vm-lab';

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
  /** Simulated servers lab-0… (default 0 when vms is given). */
  nodes: number;
  /** QEMU VMs vm-0… on the lab's provisioning network. */
  vms?: number;
  firmware?: Firmware;
  /** VMs get a KCS system interface to their BMC (`ipmitool lan print` inside answers its address). */
  ipmiSystemInterface?: boolean;
  /** redfish: the VMs are enrolled with driver redfish behind the lab's Redfish BMC (virtual CDs included). */
  bmc?: 'ipmi' | 'redfish';
  dir: string;
  bootRoot: string;
  /** Ironflow's dhcp-hostsdir (IRONFLOW_DHCP_HOSTS_DIR); needed with vms. */
  dhcpHostsDir?: string;
  /** Loopback ports the VMs must reach (API, image server); needed with vms. */
  forwardPorts?: number[];
  api: string;
  diskSize?: number;
  /** VM disk size (default 2 GiB). */
  vmDiskSize?: number;
  enroll?: boolean;
}

interface Enrollable {
  name: string;
  mac: string;
  bmc: { address: string; port: number; username: string; passwordFile: string };
  redfish?: { address: string; systemId: string; username: string; passwordFile: string; caFile: string };
  properties: Record<string, unknown>;
}

/** enroll (replacing a node of the same name), port, manage, provide → available. */
async function enroll(api: string, n: Enrollable): Promise<string> {
  const old = await call(api, 'GET', `/v1/nodes/${n.name}`).catch(() => undefined);
  if (old) {
    await call(api, 'PUT', `/v1/nodes/${old.uuid}/maintenance`, { reason: 'lab restarted' });
    await call(api, 'DELETE', `/v1/nodes/${old.uuid}`);
  }
  const node = await call(api, 'POST', '/v1/nodes', {
    name: n.name,
    driver: n.redfish ? 'redfish' : 'ipmi',
    resource_class: 'lab',
    driver_info: n.redfish
      ? {
          redfish_address: n.redfish.address,
          redfish_system_id: n.redfish.systemId,
          redfish_username: n.redfish.username,
          redfish_password: fs.readFileSync(n.redfish.passwordFile, 'utf8').trim(),
          redfish_verify_ca: n.redfish.caFile,
        }
      : {
          ipmi_address: n.bmc.address,
          ipmi_port: n.bmc.port,
          ipmi_username: n.bmc.username,
          ipmi_password: fs.readFileSync(n.bmc.passwordFile, 'utf8').trim(),
        },
    properties: n.properties,
  });
  await call(api, 'POST', '/v1/ports', { address: n.mac, node_uuid: node.uuid });
  await call(api, 'PUT', `/v1/nodes/${node.uuid}/states/provision`, { target: 'manage' });
  await settle(api, node.uuid, 'manageable');
  // With automated cleaning on, this PXE-boots the deploy ramdisk (in a VM: for real) to erase metadata.
  await call(api, 'PUT', `/v1/nodes/${node.uuid}/states/provision`, { target: 'provide' });
  await settle(api, node.uuid, 'available');
  return node.uuid as string;
}

export async function labUp(o: LabUpOptions): Promise<LabState> {
  const existing = readLabState(o.dir);
  if (existing) await stopLabFromState(o.dir);
  fs.mkdirSync(o.bootRoot, { recursive: true });
  fs.mkdirSync(o.dir, { recursive: true });
  let state = emptyLabState(o.dir, o.bootRoot);
  if (o.nodes > 0) {
    const lab = await startLab({ nodes: o.nodes, dir: o.dir, tftpRoot: o.bootRoot, diskSize: o.diskSize });
    state = labState(lab);
  }
  writeLabState(o.dir, state);
  if ((o.vms ?? 0) > 0) {
    if (!o.dhcpHostsDir || !o.forwardPorts) throw new Error('a VM lab needs the dhcp hosts dir and the ports to relay');
    const vmLab = await startVmLab({
      vms: o.vms!,
      dir: o.dir,
      firmware: o.firmware,
      bootRoot: o.bootRoot,
      dhcpHostsDir: o.dhcpHostsDir,
      forwardPorts: o.forwardPorts,
      diskSize: o.vmDiskSize,
      ipmiSystemInterface: o.ipmiSystemInterface,
      bmc: o.bmc,
    });
    state = { ...state, vm: vmLab.state() };
    writeLabState(o.dir, state);
    const v = vmLab.net;
    console.log(
      `  provisioning network ${v.prefix}.0/24 in namespace ${v.namespace} (host ${v.hostAddress} on ${v.hostVeth}, dnsmasq ${v.serverAddress}); QEMU -accel ${vmLab.accel} (${vmLab.state().accelWhy})`,
    );
    console.log(`  relaying ${v.hostAddress}:{${o.forwardPorts.join(',')}} → 127.0.0.1; the worker needs:`);
    for (const [k, val] of Object.entries(vmLabWorkerEnv(o.dir, o.forwardPorts[0]!, o.forwardPorts[1] ?? 6386, v.hostAddress)))
      console.log(`    ${k}=${val}`);
    if (state.vm!.placedBootFiles.length)
      console.log(`  placed ${state.vm!.placedBootFiles.join(', ')} into ${o.bootRoot} (Ironflow had not)`);
  }
  const diskGiB = Math.max(1, Math.floor((o.diskSize ?? 1024 ** 3) / 1024 ** 3));
  const all: (Enrollable & { disk: string })[] = [
    ...state.nodes.map((n) => ({
      ...n,
      disk: n.diskPath,
      properties: { cpus: 1, memory_mb: 1024, local_gb: diskGiB, cpu_arch: 'x86_64' },
    })),
    ...(state.vm?.nodes ?? []).map((n) => ({
      ...n,
      disk: n.diskPath,
      properties: {
        cpus: 1,
        memory_mb: 1024,
        local_gb: Math.max(1, Math.floor((o.vmDiskSize ?? 2 * 1024 ** 3) / 1024 ** 3)),
        cpu_arch: 'x86_64',
        capabilities: `boot_mode:${n.firmware}`,
      },
    })),
  ];
  for (const n of all) {
    let line = n.redfish
      ? `${n.name}  ${n.mac}  Redfish ${n.redfish.address}${n.redfish.systemId} (${n.redfish.username}, password in ${n.redfish.passwordFile})  disk ${n.disk}`
      : `${n.name}  ${n.mac}  BMC 127.0.0.1:${n.bmc.port} (admin, password in ${n.bmc.passwordFile})  disk ${n.disk}`;
    if (o.enroll !== false) line += `  enrolled ${await enroll(o.api, n)} (available)`;
    console.log(`  ${line}`);
  }
  return state;
}

/** Every lab node as `status --json` prints it (never a password). */
export function labStatus(st: LabState): Record<string, unknown>[] {
  return [
    ...st.nodes.map((n) => ({
      name: n.name,
      kind: 'sim',
      firmware: 'bios',
      mac: n.mac,
      ip: null,
      bmc: { address: n.bmc.address, port: n.bmc.port, username: n.bmc.username },
      disk: n.diskPath,
      console: path.join(n.nodeDir, 'console.log'),
    })),
    ...(st.vm?.nodes ?? []).map((n) => ({
      name: n.name,
      kind: 'vm',
      firmware: n.firmware,
      mac: n.mac,
      ip: n.ip,
      bmc: { address: n.bmc.address, port: n.bmc.port, username: n.bmc.username },
      disk: n.diskPath,
      console: n.console,
      serial: `127.0.0.1:${n.serialPort}`,
      ...(n.redfish
        ? {
            redfish: { address: n.redfish.address, system_id: n.redfish.systemId, username: n.redfish.username, ca_file: n.redfish.caFile },
          }
        : {}),
    })),
  ];
}

export async function labDown(dir: string, api?: string): Promise<void> {
  const st = readLabState(dir);
  if (!st) {
    await destroyDerivedVmNetwork(dir); // a state file lost after a crash: the derived names are still known
    return;
  }
  if (api) {
    for (const n of [...st.nodes, ...(st.vm?.nodes ?? [])]) {
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
    const vms = Number(opt('vms', '0'));
    await labUp({
      nodes: Number(opt('nodes', vms > 0 ? '0' : '3')),
      vms,
      firmware: opt('firmware', 'bios') as Firmware,
      ipmiSystemInterface: rest.includes('--ipmi-si'),
      bmc: opt('bmc', 'ipmi') === 'redfish' ? 'redfish' : 'ipmi',
      dir,
      bootRoot,
      dhcpHostsDir: process.env.IRONFLOW_DHCP_HOSTS_DIR ?? path.join(dataDir, 'dnsmasq', 'hosts'),
      forwardPorts: [Number(new URL(api).port || 80), Number(process.env.IRONFLOW_IMAGE_SERVER_PORT ?? 6386)],
      api,
      diskSize: size ? Number(size) * 1024 * 1024 : undefined,
      enroll: !rest.includes('--no-enroll'),
    });
  } else if (cmd === 'down') {
    await labDown(dir, rest.includes('--keep-nodes') ? undefined : api);
    console.log('lab down');
  } else if (cmd === 'status') {
    // JSON either way (`--json` is accepted for scripts that say so); `[]` when no lab runs.
    const st = readLabState(dir);
    console.log(JSON.stringify(st ? labStatus(st) : [], null, 2));
  } else {
    console.log(
      'usage: npm run lab -- up [--nodes N] [--vms M [--firmware bios|uefi] [--ipmi-si] [--bmc ipmi|redfish]] [--disk-size-mib M] [--no-enroll] | status [--json] | down [--keep-nodes]',
    );
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
