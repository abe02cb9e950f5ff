// Virtual lab CLI.
//   node .build/<x>/test/lab/cli.js up --nodes N [--dir D] [--disk-size 1G] [--password per-node|PW] [--tftp-root R]
//   node .build/<x>/test/lab/cli.js status [--dir D]
//   node .build/<x>/test/lab/cli.js down [--dir D]
// D defaults to <repo>/.data/lab. `up` leaves the BMCs and tftpd running and
// writes D/state.json (PIDs, ports, node descriptions; BMC passwords are in
// the files named by bmc.passwordFile). `down` stops exactly those PIDs.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { startLab } from './lab';
import { labState, liveProcesses, readLabState, stopLabFromState, writeLabState } from './lab-state';

function parseSize(v: string): number {
  const m = /^(\d+)([KMGT]?)i?B?$/i.exec(v.trim());
  if (!m) throw new Error(`bad size: ${v}`);
  const unit = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * unit;
}

function parseArgs(argv: string[]): { cmd: string; opts: Record<string, string> } {
  const [cmd = 'help', ...rest] = argv;
  const opts: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`);
    const [k, inline] = a.slice(2).split('=', 2);
    opts[k!] = inline ?? rest[++i] ?? '';
  }
  return { cmd, opts };
}

async function main(): Promise<number> {
  const { cmd, opts } = parseArgs(process.argv.slice(2));
  const dir = path.resolve(opts.dir ?? path.join(repoRoot(), '.data', 'lab'));
  switch (cmd) {
    case 'up': {
      const existing = readLabState(dir);
      if (existing && liveProcesses(existing).length > 0) {
        console.error(`a lab is already up in ${dir} (run: down --dir ${dir})`);
        return 1;
      }
      const nodes = Number(opts.nodes ?? '1');
      if (!Number.isInteger(nodes) || nodes < 1) throw new Error('--nodes must be a positive integer');
      const t0 = Date.now();
      const lab = await startLab({
        nodes,
        dir,
        diskSize: opts['disk-size'] ? parseSize(opts['disk-size']) : undefined,
        password: opts.password,
        tftpRoot: opts['tftp-root'],
      });
      writeLabState(dir, labState(lab));
      console.log(`lab up: ${nodes} node(s) in ${Date.now() - t0} ms; TFTP 127.0.0.1:${lab.tftpPort} root ${lab.tftpRoot}`);
      for (const n of lab.nodes)
        console.log(
          `  ${n.name}  ${n.mac}  BMC 127.0.0.1:${n.bmc.port} (${n.bmc.username}, password in ${n.bmc.passwordFile})  disk ${n.diskPath}`,
        );
      console.log(`state: ${path.join(dir, 'state.json')}`);
      return 0;
    }
    case 'status': {
      const state = readLabState(dir);
      if (!state) {
        console.log(`no lab in ${dir}`);
        return 1;
      }
      const live = new Set(liveProcesses(state).map((p) => p.pid));
      for (const p of state.processes) console.log(`${p.role.padEnd(14)} pid ${p.pid} ${live.has(p.pid) ? 'running' : 'GONE'}`);
      for (const n of state.nodes) {
        const power =
          fs.existsSync(path.join(n.nodeDir, 'power')) && fs.readFileSync(path.join(n.nodeDir, 'power'), 'utf8').trim() === '1'
            ? 'on'
            : 'off';
        console.log(`${n.name.padEnd(8)} ${n.mac} BMC 127.0.0.1:${n.bmc.port} power ${power}`);
      }
      return live.size === state.processes.length ? 0 : 1;
    }
    case 'down': {
      const state = await stopLabFromState(dir);
      console.log(state ? `lab down: stopped ${state.processes.length} process(es)` : `no lab in ${dir}`);
      return 0;
    }
    default:
      console.error(
        'usage: cli.js up --nodes N [--dir D] [--disk-size 1G] [--password per-node|PW] [--tftp-root R] | status [--dir D] | down [--dir D]',
      );
      return cmd === 'help' ? 0 : 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
