// The VM lab's host-side helper, one detached process per lab (PID in the state):
//
// 1. TCP relays from the host's address on the provisioning network to loopback:
//    the API and the image server listen on 127.0.0.1 only (the secure default),
//    and the VMs reach them as http://<host veth address>:<same port>.
// 2. dnsmasq keeps a dhcp-hostsdir entry after its file is deleted (until
//    SIGHUP; see dnsmasq(8) --dhcp-hostsdir), so a node that finished
//    provisioning would keep `tag:ironflow` and PXE-boot again. When a file
//    disappears from the hostsdir, this sends dnsmasq SIGHUP, which re-reads it.
//
//   node lab-netd.js --listen 10.A.B.1 --forward 6385 --forward 6386 --hosts-dir D --dnsmasq-pid-file F
import fs from 'node:fs';
import net from 'node:net';

function args(argv: string[]): { listen: string; ports: number[]; hostsDir?: string; dnsmasqPidFile?: string } {
  const out: { listen: string; ports: number[]; hostsDir?: string; dnsmasqPidFile?: string } = { listen: '', ports: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const v = argv[i + 1] ?? '';
    if (argv[i] === '--listen') out.listen = v;
    else if (argv[i] === '--forward') out.ports.push(Number(v));
    else if (argv[i] === '--hosts-dir') out.hostsDir = v;
    else if (argv[i] === '--dnsmasq-pid-file') out.dnsmasqPidFile = v;
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
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listen, () => {
      log(`relay ${listen}:${port} → 127.0.0.1:${port}`);
      resolve(server);
    });
  });
}

function watchHostsDir(dir: string, pidFile: string): void {
  let known = new Set(fs.readdirSync(dir));
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    timer = undefined;
    const now = new Set(fs.readdirSync(dir));
    const gone = [...known].filter((f) => !now.has(f) && !f.includes('.tmp-'));
    known = now;
    if (gone.length === 0) return;
    try {
      const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGHUP');
      log(`hostsdir: ${gone.join(', ')} removed; dnsmasq (pid ${pid}) re-reads it`);
    } catch (e) {
      log(`hostsdir: could not signal dnsmasq: ${(e as Error).message}`);
    }
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
  if (a.hostsDir && a.dnsmasqPidFile) {
    fs.mkdirSync(a.hostsDir, { recursive: true });
    watchHostsDir(a.hostsDir, a.dnsmasqPidFile);
  }
  process.on('SIGTERM', () => process.exit(0));
  log('ready');
}

main().catch((e) => {
  log(`lab-netd: ${(e as Error).message}`);
  process.exit(1);
});
