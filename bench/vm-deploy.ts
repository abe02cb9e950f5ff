// Deploys the bootable demo OS onto a VM of the VM lab, BIOS and UEFI × iscsi and direct, with a config drive, and times each phase until SSH answers; baseline: the same OS booted straight from a local disk in the same run.
//
//   npm run bench -- vm-deploy [--firmware bios,uefi] [--mode iscsi,direct]
//
// Per cell: `PUT …/states/provision active` with a JSON config drive (host name, SSH key), then
// the phases from the operation's own timeline and the lab's dnsmasq log:
//   power on → PXE         from the ramdisk's power-on to the deploy ramdisk sent (TFTP, or HTTP for iPXE)
//   ramdisk boot           from there to the ramdisk's callback (iscsi: `ready`; direct: its write
//                          is inside "wait for the ramdisk to write the image", shown as write)
//   write (+verify)        the image over iSCSI and its read-back (direct: download + dd + checksum)
//   config drive           the config-2 partition (direct: the export, then the write)
//   reboot                 tear down the ramdisk, boot device disk, power off/on
//   OS boot → SSH          from `active` until `ssh root@<vm ip> hostname` answers with the drive's name
// The baseline is the floor of the last phase: the same image booted from a local disk (QEMU
// user-mode network), from QEMU's start to SSH (the deploy's phase starts at `active`, which is
// after the power-on of "reboot", so it can come out shorter). Needs root, QEMU, dnsmasq, ipmi_sim, OVMF (as the VM lab).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';
import { labDown, labUp } from '#scripts/lab';
import { api, startStack, type TestStack } from '#test/support/stack';
import { freeTcpPort, waitFor } from '#test/support/procs';
import { startImageServer } from '#test/lab/image-server';
import { bootDemoOs, buildDemoOs, sshDemoOs } from '#test/lab/demo-os-vm';
import { vmLabWorkerEnv, type Firmware } from '#test/lab/vm-lab';
import { Cleanups } from './lib/cleanups';
import { machineInfo } from './lib/machine';

type Mode = 'iscsi' | 'direct';
const PHASES = ['pxe', 'ramdisk', 'write', 'configDrive', 'reboot', 'osToSsh'] as const;
type Phase = (typeof PHASES)[number];
interface Cell {
  firmware: Firmware;
  mode: Mode;
  phases: Partial<Record<Phase, number>>;
  totalMs: number;
  baselineMs: number;
}

function list<T extends string>(argv: string[], flag: string, all: readonly T[]): T[] {
  const i = argv.indexOf(flag);
  if (i < 0) return [...all];
  const v = (argv[i + 1] ?? '').split(',') as T[];
  const bad = v.filter((x) => !all.includes(x));
  if (!v.length || bad.length) throw new Error(`${flag}: give a comma-separated list of ${all.join(', ')}`);
  return v;
}

const ms = (a?: string | null, b?: string | null) => (a && b ? Date.parse(b) - Date.parse(a) : undefined);

/**
 * When the deploy ramdisk (staged as `<sha>.ramdisk`) was last handed to the VM at or after `since`: over
 * TFTP, dnsmasq's log line when it finished sending (its own timestamps, whole seconds); over HTTP, lab-netd's
 * log line when it started sending (ISO time; the transfer on the bridge takes well under a second).
 */
function ramdiskSentAt(labDir: string, since: number): number | undefined {
  const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n') : []);
  const year = new Date(since).getFullYear();
  let at: number | undefined;
  for (const line of read(path.join(labDir, 'net', 'dnsmasq.log'))) {
    const m = /^(\w{3} +\d+ [\d:]+) dnsmasq-tftp\[\d+\]: sent (\S+\.ramdisk) to /.exec(line);
    const t = m ? Date.parse(`${m[1]} ${year} UTC`) : NaN;
    if (t >= Math.floor(since / 1000) * 1000) at = t;
  }
  for (const line of read(path.join(labDir, 'net', 'lab-netd.log'))) {
    const m = /^(\S+) http GET \S+\.ramdisk 200/.exec(line);
    const t = m ? Date.parse(m[1]!) : NaN;
    if (t >= since) at = t;
  }
  return at;
}

async function oneCell(
  stack: TestStack,
  lab: { dir: string; ip: string },
  firmware: Firmware,
  mode: Mode,
  image: { url: string; sha: string },
  key: string,
) {
  const vm = (await api(stack, 'GET', '/v1/nodes/vm-0')).body;
  const patch = [
    { op: 'replace', path: '/deploy_interface', value: mode },
    { op: 'add', path: '/instance_info/image_source', value: image.url },
    { op: 'add', path: '/instance_info/image_checksum', value: `sha256:${image.sha}` },
  ];
  const p = await api(stack, 'PATCH', `/v1/nodes/${vm.uuid}`, patch);
  if (p.status !== 200) throw new Error(`PATCH: ${p.text}`);
  const hostname = `bench-${firmware}-${mode}`;
  const drive = { meta_data: { hostname, public_keys: { bench: fs.readFileSync(`${key}.pub`, 'utf8').trim() } } };
  const t0 = Date.now();
  const r = await api(stack, 'PUT', `/v1/nodes/${vm.uuid}/states/provision`, { target: 'active', configdrive: drive });
  if (r.status !== 202) throw new Error(`deploy: ${r.text}`);
  const done = await waitFor(
    async () => {
      const n = (await api(stack, 'GET', `/v1/nodes/${vm.uuid}`)).body;
      return n.target_provision_state === null ? n : undefined;
    },
    1_800_000,
    `${firmware}/${mode} deploy`,
  );
  if (done.provision_state !== 'active') throw new Error(`${firmware}/${mode}: ${done.provision_state}: ${done.last_error}`);
  const tActive = Date.now();
  const ip = lab.ip;
  await waitFor(async () => (await sshDemoOs(22, key, 'hostname', ip).catch(() => '')) === hostname, 600_000, `ssh to ${ip}`);
  const tSsh = Date.now();
  // The deployed OS runs under the firmware the node was deployed for: /sys/firmware/efi exactly under UEFI.
  const fw = await sshDemoOs(22, key, 'test -d /sys/firmware/efi && echo uefi || echo bios', ip);
  if (fw !== firmware) throw new Error(`${firmware}/${mode}: the deployed OS booted under ${fw}`);

  const steps: { name: string; started_at: string; ended_at: string | null }[] = (await api(stack, 'GET', `/v1/nodes/${vm.uuid}/operation`))
    .body.steps;
  const step = (n: string) => steps.find((s) => s.name === n);
  const sum = (...names: string[]) => names.reduce((a, n) => a + (ms(step(n)?.started_at, step(n)?.ended_at) ?? 0), 0);
  const poweredOn = step('boot the deploy ramdisk')?.ended_at;
  const sent = poweredOn ? ramdiskSentAt(lab.dir, Date.parse(poweredOn)) : undefined;
  const waited = mode === 'iscsi' ? step('wait for the ramdisk') : step('wait for the ramdisk to write the image');
  const phases: Cell['phases'] = {
    pxe: sent && poweredOn ? sent - Date.parse(poweredOn) : undefined,
    ramdisk: sent && waited?.ended_at && mode === 'iscsi' ? Date.parse(waited.ended_at) - sent : undefined,
    write:
      mode === 'iscsi'
        ? sum('write the image over iSCSI', 'verify the written image')
        : sent && waited?.ended_at
          ? Date.parse(waited.ended_at) - sent
          : undefined,
    configDrive: sum('wait for the ramdisk to export its disk', 'write the config drive over iSCSI'),
    reboot: sum('tell the ramdisk done', 'boot from the installed image'),
    osToSsh: tSsh - tActive,
  };
  const un = await api(stack, 'PUT', `/v1/nodes/${vm.uuid}/states/provision`, { target: 'deleted' });
  if (un.status !== 202) throw new Error(`undeploy: ${un.text}`);
  await waitFor(
    async () => ((await api(stack, 'GET', `/v1/nodes/${vm.uuid}`)).body.provision_state === 'available' ? true : undefined),
    900_000,
    'undeploy',
  );
  return { phases, totalMs: tSsh - t0 };
}

const s = (v?: number) => (v === undefined ? '—' : `${(v / 1000).toFixed(1)} s`);

export async function runVmDeployBench(argv: string[], log: (l: string) => void): Promise<Cell[]> {
  const firmwares = list<Firmware>(argv, '--firmware', ['bios', 'uefi']);
  const modes = list<Mode>(argv, '--mode', ['iscsi', 'direct']);
  const cleanups = new Cleanups(log);
  const cells: Cell[] = [];
  try {
    const build = await runCommand({ file: 'bash', args: [path.join(repoRoot(), 'ramdisk', 'build.sh')], timeoutMs: 15 * 60000 });
    const kernel = /^kernel: (.*)$/m.exec(build.stdout)![1]!;
    const initrd = /^initramfs: (.*)$/m.exec(build.stdout)![1]!;
    const raw = await buildDemoOs();
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-vm-deploy-'));
    cleanups.add('work dir', () => fs.rmSync(work, { recursive: true, force: true }));
    const key = path.join(work, 'id_ed25519');
    await runCommand({ file: 'ssh-keygen', args: ['-q', '-t', 'ed25519', '-N', '', '-f', key] });
    const qcow = path.join(work, 'demo-os.qcow2');
    await runCommand({ file: 'qemu-img', args: ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow], timeoutMs: 120_000 });
    const images = await startImageServer();
    cleanups.add('image server', () => images.stop());
    const data = fs.readFileSync(qcow);
    images.images.set('demo-os.qcow2', { data });
    const sha = (await runCommand({ file: 'sha256sum', args: [qcow] })).stdout.split(' ')[0]!;
    for (const firmware of firmwares) {
      // The floor of "OS boot → SSH": the same image from a local disk.
      const copy = path.join(work, `baseline-${firmware}.raw`);
      fs.copyFileSync(raw, copy);
      const base = await bootDemoOs({ work, name: `baseline-${firmware}`, firmware, disks: [copy] });
      await base.proc.stop(2000);
      log(`${firmware}: baseline boot to SSH ${s(base.ms)} (${base.accel})`);

      const labDir = path.join(work, `lab-${firmware}`);
      const imagePort = await freeTcpPort();
      const stack = await startStack({
        automatedClean: 'none',
        callbackTimeoutSec: 900,
        data: (apiPort) => {
          const env = vmLabWorkerEnv(labDir, apiPort, imagePort);
          return {
            callbackBase: env.IRONFLOW_CALLBACK_URL!,
            httpBootUrl: env.IRONFLOW_HTTP_BOOT_URL,
            imageServer: { host: '127.0.0.1', port: imagePort, publicUrl: env.IRONFLOW_IMAGE_SERVER_URL },
            deployKernel: kernel,
            deployRamdisk: initrd,
            ramdiskAppend: 'console=ttyS0,115200',
          };
        },
      });
      cleanups.add(`stack ${firmware}`, () => stack.stop());
      const state = await labUp({
        nodes: 0,
        vms: 1,
        firmware,
        dir: labDir,
        bootRoot: stack.data.bootRoot,
        dhcpHostsDir: stack.data.dhcpHostsDir,
        forwardPorts: [Number(new URL(stack.url).port), imagePort],
        api: stack.url,
      });
      cleanups.add(`lab ${firmware}`, () => labDown(labDir));
      for (const mode of modes) {
        const c = await oneCell(
          stack,
          { dir: labDir, ip: state.vm!.nodes[0]!.ip },
          firmware,
          mode,
          { url: images.url('demo-os.qcow2'), sha },
          key,
        );
        cells.push({ firmware, mode, ...c, baselineMs: base.ms });
        log(`${firmware}/${mode}: PUT active → SSH ${s(c.totalMs)}`);
      }
      await cleanups.runOne(`lab ${firmware}`);
      await cleanups.runOne(`stack ${firmware}`);
    }
    return cells;
  } finally {
    const failed = await cleanups.runAll();
    if (failed.length) log(`cleanup problems: ${failed.join('; ')}`);
  }
}

export function formatVmDeployBench(cells: Cell[]): string {
  const head = [
    'firmware',
    'mode',
    'PXE (power on → ramdisk sent)',
    'ramdisk boot',
    'write (+verify)',
    'config drive',
    'reboot',
    'OS boot → SSH',
    'baseline: local boot → SSH',
    'PUT active → SSH',
  ];
  const rows = cells.map((c) => [c.firmware, c.mode, ...PHASES.map((p) => s(c.phases[p])), s(c.baselineMs), s(c.totalMs)]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

if (require.main === module) {
  const log = (line: string) => console.error(`# ${line}`);
  const m = machineInfo();
  runVmDeployBench(process.argv.slice(2), log).then(
    (cells) => {
      console.log(`vm-deploy, ${m.date}, ${m.cpuModel}, ${m.nproc} CPUs, ${m.memoryGiB} GiB, load ${m.loadAverage1m} at start`);
      console.log(formatVmDeployBench(cells));
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
