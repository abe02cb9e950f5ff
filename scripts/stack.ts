// `npm start`: runs the Temporal dev server (unless TEMPORAL_ADDRESS points at a
// cluster), the worker and the API as child processes; prints the URLs; on
// SIGINT/SIGTERM stops every child by its PID, API first, Temporal last.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { migrate } from '#prisma/migrate';
import { loadCommonConfig } from '#apps/shared/config';
import { nodeProcess } from '#apps/shared/node-flags';
import { vmLabWorkerEnv, type Firmware } from '#test/lab/vm-lab';
import { labDown, labUp } from './lab';

const root = repoRoot();
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function say(msg: string): void {
  process.stderr.write(`ironflow: ${msg}\n`);
}

function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function waitPort(port: number, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs; // monotonic: immune to wall-clock steps
  while (!(await portOpen(port))) {
    if (stopping) return;
    if (performance.now() > deadline) throw new Error(`${what} did not open port ${port} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function run(name: string, file: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(file, args, { env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  children.push({ name, child });
  child.on('exit', (code, sig) => {
    if (stopping) return;
    say(`${name} (pid ${child.pid}) exited (${sig ?? code}); stopping the stack. Log: ${logFile}`);
    void shutdown(1);
  });
  return child;
}

let labDir: string | undefined;

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (labDir) {
    await labDown(labDir).catch((e) => say(`lab: ${(e as Error).message}`));
    say('stopped the lab');
  }
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    const gone = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    const t = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
    say(`stopped ${name}`);
  }
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  // `kill <npm's pid>` ends npm and its shell without passing the signal on; this process is
  // then re-parented. Stop everything rather than leave the stack running unsupervised.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0);
  }, 1000).unref();
  const env = { ...process.env };
  const cfg = loadCommonConfig(env);
  const logs = path.join(cfg.dataDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const apiPort = Number(env.IRONFLOW_API_PORT ?? 6385);
  if (await portOpen(apiPort))
    throw new Error(`port ${apiPort} is in use: is Ironflow already running? Set IRONFLOW_API_PORT to use another.`);

  let temporalUi: string | undefined;
  if (!env.TEMPORAL_ADDRESS) {
    const port = Number(env.IRONFLOW_TEMPORAL_PORT ?? 7233);
    const uiPort = Number(env.IRONFLOW_TEMPORAL_UI_PORT ?? 8233);
    if (await portOpen(port))
      throw new Error(
        `port ${port} is in use: set TEMPORAL_ADDRESS to use that Temporal server, or IRONFLOW_TEMPORAL_PORT for another port.`,
      );
    const cli = execFileSync('bash', [path.join(root, 'scripts', 'temporal-cli.sh')], { encoding: 'utf8' }).trim();
    run(
      'temporal',
      cli,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--ui-port',
        String(uiPort),
        '--db-filename',
        path.join(cfg.dataDir, 'temporal.db'),
        '--log-level',
        'warn',
      ],
      env,
      path.join(logs, 'temporal.log'),
    );
    env.TEMPORAL_ADDRESS = `127.0.0.1:${port}`;
    temporalUi = `http://127.0.0.1:${uiPort}`;
    await waitPort(port, 'the Temporal dev server', 60_000);
  }
  // IRONFLOW_LAB_VMS=N (0 too): the worker is set up for the VM lab, whose VMs reach the API
  // and the image server through the lab's relay on its host address (both keep listening
  // on 127.0.0.1 only); N > 0 also starts N VMs below. Explicit settings win.
  const labVms = env.IRONFLOW_LAB_VMS === undefined || env.IRONFLOW_LAB_VMS === '' ? undefined : Number(env.IRONFLOW_LAB_VMS);
  const imagePort = Number(env.IRONFLOW_IMAGE_SERVER_PORT ?? 6386);
  if (labVms !== undefined) {
    for (const [k, v] of Object.entries(vmLabWorkerEnv(path.join(cfg.dataDir, 'lab'), apiPort, imagePort))) env[k] ??= v;
    env.IRONFLOW_RAMDISK_APPEND ??= 'console=ttyS0,115200'; // the ramdisk's output in .data/lab/vm-<i>/console.log
    say(`VM lab: the ramdisk calls back to ${env.IRONFLOW_CALLBACK_URL}, images from ${env.IRONFLOW_IMAGE_SERVER_URL}`);
  }
  // Migrate once here so the worker and the API don't race to do it.
  await migrate(cfg.databaseUrl, root);
  // Their Node flags and memory settings: apps/shared/node-flags.ts (the memory bench starts them the same way).
  const worker = nodeProcess('worker', env);
  run(
    'worker',
    process.execPath,
    [...worker.args, path.join(root, 'dist', 'apps', 'worker', 'src', 'main.js')],
    worker.env,
    path.join(logs, 'worker.log'),
  );
  const apiProc = nodeProcess('api', env);
  run(
    'api',
    process.execPath,
    [...apiProc.args, path.join(root, 'dist', 'apps', 'api', 'src', 'main.js')],
    apiProc.env,
    path.join(logs, 'api.log'),
  );
  await waitPort(apiPort, 'the API', 60_000);
  const labNodes = Number(env.IRONFLOW_LAB_NODES ?? 0);
  if (labNodes > 0 || (labVms ?? 0) > 0) {
    labDir = path.join(cfg.dataDir, 'lab');
    say(`starting the virtual lab: ${labNodes} simulated server(s), ${labVms ?? 0} VM(s), enrolled through the API (manage, provide)`);
    await labUp({
      nodes: labNodes,
      vms: labVms ?? 0,
      firmware: (env.IRONFLOW_LAB_FIRMWARE ?? 'bios') as Firmware,
      dir: labDir,
      bootRoot: env.IRONFLOW_BOOT_ROOT ?? path.join(cfg.dataDir, 'tftp'),
      dhcpHostsDir: env.IRONFLOW_DHCP_HOSTS_DIR ?? path.join(cfg.dataDir, 'dnsmasq', 'hosts'),
      forwardPorts: [apiPort, imagePort],
      api: `http://127.0.0.1:${apiPort}`,
    });
  }
  const lines = [
    `API            http://127.0.0.1:${apiPort}/v1   (docs: http://127.0.0.1:${apiPort}/docs)`,
    `Temporal       ${env.TEMPORAL_ADDRESS}${temporalUi ? `   (Web UI: ${temporalUi})` : ''}`,
    `Database       ${cfg.databaseUrl.startsWith('file:') ? cfg.databaseUrl : cfg.databaseUrl.replace(/\/\/[^@]*@/, '//***@')}`,
    `Logs           ${logs}`,
    `Try            baremetal --os-endpoint http://127.0.0.1:${apiPort} --os-auth-type none node list`,
    ...(labNodes > 0 ? [`Lab            ${labNodes} node(s) lab-0…lab-${labNodes - 1}; demo image: npm run demo-image`] : []),
    ...((labVms ?? 0) > 0 ? [`VM lab         ${labVms} VM(s) vm-0…vm-${labVms! - 1}: npm run lab -- status`] : []),
    'Ctrl-C stops everything.',
  ];
  say(`ready\n  ${lines.join('\n  ')}`);
}

main().catch((e) => {
  say(e instanceof Error ? e.message : String(e));
  void shutdown(1);
});
