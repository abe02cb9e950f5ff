// Real BMCs for tests: each `ipmi_sim` (OpenIPMI) listens on 127.0.0.1 on a
// free UDP port with its own state dir. Its chassis-control hook (a small shell
// script written into that dir) keeps the "hardware" in files: `power` (0/1)
// and `boot` (the device name ipmi_sim passes: none|pxe|default|cdrom|bios), so
// a test can read or change the machine behind the client's back.
//
// What ipmi_sim (OpenIPMI 2.0.33) does and does not do, checked here:
// - RMCP+ cipher suites 0-14 only (RAKP-HMAC-SHA1/MD5, AES-CBC-128): no SHA256,
//   so cipher suite 17 is refused in Open Session ("invalid authentication algorithm").
// - Session timeout: a fixed 30 s of inactivity (lanserv's default_session_timeout,
//   not settable from lan.conf); every in-session message restarts it. An expired or
//   unknown session ID is silently dropped (no answer). At most 63 sessions per BMC.
//   To expire a session in a test either stay idle > 31 s (the tick is 1 s), or
//   restart the simulator (`restart()`): the new process knows no sessions.
// - Boot flags: only the device selector survives (pxe=1, default=2, cdrom=5,
//   bios=6); "safe" (3) fails with completion code 0xff; the persistent and EFI
//   bits and the valid bit are not stored (Get answers them as 0).
// - Chassis control: up/down write `power`, cycle = down then up ~1 s later,
//   hard reset and soft shutdown call the hook with `reset 1` / `shutdown 1`
//   (recorded in `events`) and leave `power` as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { freeUdpPort, startProcess, waitFor, type Proc } from './procs';

export interface BmcOptions {
  user?: string;
  password?: string;
  /** State dir (kept after stop); a fresh temp dir, removed on stop, when omitted. */
  dir?: string;
  /** Initial power state (default 0 = off). */
  power?: 0 | 1;
}

export interface Bmc {
  address: string;
  port: number;
  username: string;
  password: string;
  stateDir: string;
  pid(): number;
  readPower(): 0 | 1;
  writePower(v: 0 | 1): void;
  /** The boot device ipmi_sim last set: none|pxe|default|cdrom|bios. */
  readBoot(): string;
  writeBoot(v: string): void;
  /** Hook calls other than power/boot, one per line (e.g. "reset 1", "shutdown 1"). */
  readEvents(): string[];
  /** Stops and starts the simulator on the same port: every session is gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

// Written for speed (ipmi_sim runs it through popen on every Get Chassis Status):
// shell built-ins only, no cat/dirname/command substitution forks.
const CHASSIS_SCRIPT = `#!/bin/sh
# ipmi_sim chassis_control hook: chassis.sh 0x20 get|set|check PARAM [VALUE]...
d=\${0%/*}; op=$2; shift 2
case $op in
  check) exit 0 ;;
  get) for p in "$@"; do
         case $p in power) read -r v < "$d/power"; echo "power:$v" ;;
                    boot) read -r v < "$d/boot"; echo "boot:$v" ;; esac
       done ;;
  set) while [ $# -ge 2 ]; do
         case $1 in power) echo "$2" > "$d/power.tmp" && mv "$d/power.tmp" "$d/power" ;;
                    boot) echo "$2" > "$d/boot.tmp" && mv "$d/boot.tmp" "$d/boot" ;;
                    *) echo "$1 $2" >> "$d/events" ;; esac
         shift 2
       done ;;
esac
`;

const SIM_EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`;

function lanConf(name: string, port: number, guid: string, script: string, user: string, password: string): string {
  return `name "${name}"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid ${guid}
  endlan
  chassis_control "${script} 0x20"
  user 2 true "${user}" "${password}" admin 10 none md2 md5 straight
`;
}

let counter = 0;

/** Resolves once something answers an RMCP presence ping on 127.0.0.1:port. */
function waitForRmcp(port: number, timeoutMs: number): Promise<true> {
  const ping = Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x01, 0x00, 0x00]);
  return waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = dgram.createSocket('udp4');
        const done = (v: boolean): void => {
          clearTimeout(t);
          s.close();
          resolve(v);
        };
        const t = setTimeout(() => done(false), 200);
        s.on('message', () => done(true));
        s.on('error', () => done(false));
        s.send(ping, port, '127.0.0.1');
      }),
    timeoutMs,
    `ipmi_sim on 127.0.0.1:${port}`,
  );
}

export async function startBmc(opts: BmcOptions = {}): Promise<Bmc> {
  const username = opts.user ?? 'admin';
  const password = opts.password ?? 'password';
  const ownDir = opts.dir === undefined;
  const stateDir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-bmc-'));
  fs.mkdirSync(path.join(stateDir, 'sim'), { recursive: true });
  const port = await freeUdpPort();
  const n = counter++;
  const script = path.join(stateDir, 'chassis.sh');
  fs.writeFileSync(script, CHASSIS_SCRIPT, { mode: 0o755 });
  fs.writeFileSync(path.join(stateDir, 'power'), `${opts.power ?? 0}\n`);
  fs.writeFileSync(path.join(stateDir, 'boot'), 'default\n');
  fs.writeFileSync(path.join(stateDir, 'sim.emu'), SIM_EMU);
  const guid = `a1b2c3d4${(process.pid * 1000 + n).toString(16).padStart(24, '0')}`.slice(0, 32);
  fs.writeFileSync(path.join(stateDir, 'lan.conf'), lanConf(`bmc${n}`, port, guid, script, username, password));

  const launch = async (): Promise<Proc> => {
    const p = startProcess(
      'ipmi_sim',
      ['-c', path.join(stateDir, 'lan.conf'), '-f', path.join(stateDir, 'sim.emu'), '-n', '-s', path.join(stateDir, 'sim')],
      { logFile: path.join(stateDir, 'ipmi_sim.log') },
    );
    try {
      await waitForRmcp(port, 10000);
    } catch (e) {
      await p.stop(1000);
      throw e;
    }
    return p;
  };
  let proc = await launch();
  const read = (f: string): string => fs.readFileSync(path.join(stateDir, f), 'utf8').trim();
  const write = (f: string, v: string): void => {
    fs.writeFileSync(path.join(stateDir, `${f}.tmp`), `${v}\n`);
    fs.renameSync(path.join(stateDir, `${f}.tmp`), path.join(stateDir, f));
  };
  return {
    address: '127.0.0.1',
    port,
    username,
    password,
    stateDir,
    pid: () => proc.pid,
    readPower: () => (read('power') === '1' ? 1 : 0),
    writePower: (v) => write('power', String(v)),
    readBoot: () => read('boot'),
    writeBoot: (v) => write('boot', v),
    readEvents: () => (fs.existsSync(path.join(stateDir, 'events')) ? read('events').split('\n').filter(Boolean) : []),
    async restart() {
      await proc.stop(2000);
      proc = await launch();
    },
    async stop() {
      await proc.stop(2000);
      if (ownDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Starts n BMCs (a few at a time) and returns them all; stops the started ones if one fails. */
export async function startBmcs(n: number, opts: Omit<BmcOptions, 'dir'> = {}, parallel = 16): Promise<Bmc[]> {
  const out: Bmc[] = [];
  try {
    for (let i = 0; i < n; i += parallel) {
      const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, () => startBmc(opts)));
      out.push(...batch);
    }
  } catch (e) {
    await stopBmcs(out);
    throw e;
  }
  return out;
}

export async function stopBmcs(bmcs: readonly Bmc[]): Promise<void> {
  await Promise.all(bmcs.map((b) => b.stop()));
}
