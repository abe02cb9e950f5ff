// The VM lab's host-side helper, one detached process per lab (PID in the state):
//
// 1. TCP relays from the host's address on the provisioning network to loopback:
//    the API and the image server listen on 127.0.0.1 only (the secure default),
//    and the VMs reach them as http://<host veth address>:<same port>.
// 2. It runs dnsmasq (in the lab's namespace) as its child and restarts it when
//    a file disappears from the dhcp-hostsdir: dnsmasq keeps a deleted entry
//    until SIGHUP (dnsmasq(8) --dhcp-hostsdir), so a node that finished
//    provisioning would keep `tag:ironflow` and PXE-boot again; and dnsmasq
//    2.90 crashed here (general protection fault) on that SIGHUP once it had
//    leases. A restart re-reads everything; the lease file keeps the addresses.
//    A dnsmasq that exits by itself is restarted too. SIGTERM stops both.
//
// 3. With --http-root, it serves the boot root read-only over HTTP on the host
//    address (port --http-port, default 8080): iPXE loads kernels and ramdisks
//    from it much faster than over TFTP (IRONFLOW_HTTP_BOOT_URL for the worker).
//
//   node lab-netd.js --listen 10.A.B.1 --forward 6385 --forward 6386 \
//     --hosts-dir D --dnsmasq-args-file F.json --dnsmasq-log L --http-root R
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

interface Args {
  listen: string;
  ports: number[];
  hostsDir?: string;
  dnsmasqArgsFile?: string;
  dnsmasqLog?: string;
  httpRoot?: string;
  httpPort: number;
}

function args(argv: string[]): Args {
  const out: Args = { listen: '', ports: [], httpPort: 8080 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--listen') out.listen = v;
    else if (argv[i] === '--forward') out.ports.push(Number(v));
    else if (argv[i] === '--hosts-dir') out.hostsDir = v;
    else if (argv[i] === '--dnsmasq-args-file') out.dnsmasqArgsFile = v;
    else if (argv[i] === '--dnsmasq-log') out.dnsmasqLog = v;
    else if (argv[i] === '--http-root') out.httpRoot = v;
    else if (argv[i] === '--http-port') out.httpPort = Number(v);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!net.isIPv4(out.listen)) throw new Error('--listen needs an IPv4 address');
  if (out.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) throw new Error('bad --forward port');
  return out;
}

function log(msg: string): void {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

function relay(listen: string, port: number): Promise<net.Server> {
  // Half-open both ways: the ramdisk's busybox nc shuts its sending side once the request is out and
  // then reads the answer. Closing the relay at that moment (Node's default) lost the answer whenever
  // the API was slower than the FIN (seen on a loaded machine: every callback went unanswered).
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    client.pipe(upstream); // the client's end() ends the upstream's sending side, and so on
    upstream.pipe(client);
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy);
    upstream.on('error', destroy);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listen, () => {
      log(`relay ${listen}:${port} → 127.0.0.1:${port}`);
      resolve(server);
    });
  });
}

/** GET/HEAD of regular files under `root`, nothing else: the boot root as iPXE reads it. */
function serveBootRoot(listen: string, port: number, root: string): Promise<http.Server> {
  const base = fs.realpathSync(root);
  const server = http.createServer((req, res) => {
    const done = (code: number) => {
      res.writeHead(code).end();
      log(`http ${req.method} ${req.url} ${code}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return done(405);
    let file: string;
    try {
      file = fs.realpathSync(path.join(base, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    } catch {
      return done(404);
    }
    if (!file.startsWith(`${base}/`) || !fs.statSync(file).isFile()) return done(404);
    const size = fs.statSync(file).size;
    res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
    log(`http ${req.method} ${req.url} 200 ${size}`);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listen, () => {
      log(`boot root ${root} on http://${listen}:${port}/`);
      resolve(server);
    });
  });
}

/** dnsmasq as a supervised child: `argv` is the whole command (ip netns exec NS dnsmasq …). */
class Dnsmasq {
  private child?: ChildProcess;
  private stopping = false;
  private restarting = false;

  constructor(
    private readonly argv: string[],
    private readonly logFile: string,
  ) {}

  start(): void {
    const fd = fs.openSync(this.logFile, 'a');
    const child = spawn(this.argv[0]!, this.argv.slice(1), { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.child = child;
    log(`dnsmasq started (pid ${child.pid})`);
    child.on('exit', (code, sig) => {
      if (this.stopping || this.restarting || this.child !== child) return;
      log(`dnsmasq exited by itself (${sig ?? code}); starting it again`);
      setTimeout(() => this.start(), 500);
    });
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }

  async restart(why: string): Promise<void> {
    if (this.stopping) return;
    this.restarting = true;
    await this.stop();
    this.restarting = false;
    log(`dnsmasq restarted: ${why}`);
    this.start();
  }

  async shutdown(): Promise<void> {
    this.stopping = true;
    await this.stop();
  }
}

function watchHostsDir(dir: string, dnsmasq: Dnsmasq): void {
  let known = new Set(fs.readdirSync(dir));
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    const now = new Set(fs.readdirSync(dir));
    const gone = [...known].filter((f) => !now.has(f) && !f.includes('.tmp-'));
    known = now;
    if (gone.length > 0) void dnsmasq.restart(`hostsdir entry ${gone.join(', ')} removed`);
  };
  fs.watch(dir, () => {
    timer ??= setTimeout(check, 100);
  });
  // fs.watch can miss events on some file systems: look again now and then.
  setInterval(() => (timer ??= setTimeout(check, 0)), 2000);
}

async function main(): Promise<void> {
  const a = args(process.argv.slice(2));
  for (const p of a.ports) await relay(a.listen, p);
  if (a.httpRoot) await serveBootRoot(a.listen, a.httpPort, a.httpRoot);
  let dnsmasq: Dnsmasq | undefined;
  if (a.dnsmasqArgsFile && a.dnsmasqLog) {
    dnsmasq = new Dnsmasq(JSON.parse(fs.readFileSync(a.dnsmasqArgsFile, 'utf8')) as string[], a.dnsmasqLog);
    dnsmasq.start();
    if (a.hostsDir) {
      fs.mkdirSync(a.hostsDir, { recursive: true });
      watchHostsDir(a.hostsDir, dnsmasq);
    }
  }
  const quit = () => {
    void (dnsmasq?.shutdown() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
  log('ready');
}

main().catch((e) => {
  log(`lab-netd: ${(e as Error).message}`);
  process.exit(1);
});
