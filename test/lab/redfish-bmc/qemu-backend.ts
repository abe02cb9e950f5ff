// A RedfishBackend for a VM of the VM lab (vm-lab.ts): the machine is the VM's QEMU
// process, driven as the ipmi_sim chassis hook drives it (vm-chassis.sh: power on starts
// QEMU with the boot order <nodeDir>/boot asks for, power off kills it). Virtual media:
// the VM has an ide-cd drive (vm.env VM_VMEDIA=1); an inserted image is fetched to
// <nodeDir>/vmedia-cd.iso first (a BMC reads the URL, the VM sees a CD) and changed in a
// running VM over QMP (<nodeDir>/qmp.sock: blockdev-change-medium, eject); a VM powered
// on later starts with it. A `Once` boot override lasts one power-on, as on a server.
//
//   <nodeDir>/boot            pxe | cdrom | default (what vm-chassis.sh reads at power on)
//   <nodeDir>/boot-once       present: the next power on resets boot to default afterwards
//   <nodeDir>/vmedia-cd.iso   the inserted CD (absent: empty drive)
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runCommand } from '#activities/shared/command-runner';
import { repoRoot } from '#apps/shared/repo-root';
import type { BootTarget, RedfishBackend, ResetType } from './backend';

const CD_FILE = 'vmedia-cd.iso';

/** One QMP command on the VM's monitor socket: greeting, capabilities, the command; its `return` or an error. */
export async function qmp(socket: string, execute: string, args?: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socket);
    let buf = '';
    let step = 0;
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`QMP ${execute}: no answer within 10 s`));
    }, 10_000);
    const done = (e: Error | undefined, v?: unknown) => {
      clearTimeout(timer);
      c.end();
      if (e) reject(e);
      else resolve(v);
    };
    c.on('error', (e) => done(e));
    c.on('data', (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
        if (msg.event) continue;
        if (msg.error) return done(new Error(`QMP ${execute}: ${msg.error.desc}`));
        if (step === 0 && msg.QMP) {
          step = 1;
          c.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
        } else if (step === 1) {
          step = 2;
          c.write(`${JSON.stringify({ execute, ...(args ? { arguments: args } : {}) })}\n`);
        } else if (step === 2) {
          return done(undefined, msg.return);
        }
      }
    });
  });
}

export class QemuBackend implements RedfishBackend {
  constructor(
    readonly nodeDir: string,
    private readonly opts: { chassisScript?: string } = {},
  ) {}

  private get script(): string {
    return this.opts.chassisScript ?? path.join(repoRoot(), 'test', 'lab', 'vm-chassis.sh');
  }

  private async chassis(...args: string[]): Promise<string> {
    const r = await runCommand({ file: 'sh', args: [this.script, this.nodeDir, '0x20', ...args], timeoutMs: 60_000 });
    return r.stdout;
  }

  async powerState(): Promise<'On' | 'Off'> {
    return /power:1/.test(await this.chassis('get', 'power')) ? 'On' : 'Off';
  }

  private async on(): Promise<void> {
    if ((await this.powerState()) === 'On') return;
    await this.chassis('set', 'power', '1');
    const once = path.join(this.nodeDir, 'boot-once');
    if (fs.existsSync(once)) {
      fs.writeFileSync(path.join(this.nodeDir, 'boot'), 'default\n');
      fs.rmSync(once, { force: true });
    }
  }

  private async off(): Promise<void> {
    await this.chassis('set', 'power', '0');
  }

  async reset(type: ResetType): Promise<void> {
    switch (type) {
      case 'On':
        return this.on();
      case 'ForceOff':
      case 'GracefulShutdown':
        return this.off();
      case 'ForceRestart':
      case 'GracefulRestart':
      case 'PowerCycle':
        if ((await this.powerState()) === 'On') await this.off();
        return this.on();
      case 'Nmi':
        if ((await this.powerState()) === 'On') await qmp(this.qmpSocket, 'inject-nmi');
        return;
    }
  }

  async setBootOverride(o: { target: BootTarget; enabled: 'Disabled' | 'Once' | 'Continuous'; mode?: 'Legacy' | 'UEFI' }): Promise<void> {
    // The VM's firmware (BIOS or UEFI) is fixed at `lab up`: the mode is not the backend's to change.
    const dev = o.enabled === 'Disabled' ? 'default' : o.target === 'Pxe' ? 'pxe' : o.target === 'Cd' ? 'cdrom' : 'default';
    fs.writeFileSync(path.join(this.nodeDir, 'boot'), `${dev}\n`);
    const once = path.join(this.nodeDir, 'boot-once');
    if (o.enabled === 'Once' && dev !== 'default') fs.writeFileSync(once, '');
    else fs.rmSync(once, { force: true });
  }

  private get qmpSocket(): string {
    return path.join(this.nodeDir, 'qmp.sock');
  }

  async insertMedia(slot: 'Cd' | 'Usb', imageUrl: string): Promise<void> {
    if (slot !== 'Cd') throw new Error('this VM has no virtual USB slot');
    const file = path.join(this.nodeDir, CD_FILE);
    const tmp = `${file}.${process.pid}.tmp`;
    const res = await fetch(imageUrl);
    if (!res.ok || !res.body) throw new Error(`fetching the virtual media image: HTTP ${res.status}`);
    await fs.promises.writeFile(tmp, Buffer.from(await res.arrayBuffer()));
    await fs.promises.rename(tmp, file);
    if ((await this.powerState()) === 'On')
      await qmp(this.qmpSocket, 'blockdev-change-medium', { id: 'cd', filename: file, format: 'raw', 'read-only-mode': 'read-only' });
  }

  async ejectMedia(slot: 'Cd' | 'Usb'): Promise<void> {
    if (slot !== 'Cd') return;
    if ((await this.powerState()) === 'On') await qmp(this.qmpSocket, 'eject', { id: 'cd', force: true });
    fs.rmSync(path.join(this.nodeDir, CD_FILE), { force: true });
  }

  /** What the VM's CD drive holds now (QMP query-block; a powered-off VM: the file waiting for power on). */
  async medium(): Promise<string | undefined> {
    if ((await this.powerState()) === 'Off') {
      const f = path.join(this.nodeDir, CD_FILE);
      return fs.existsSync(f) ? f : undefined;
    }
    const blocks = (await qmp(this.qmpSocket, 'query-block')) as { qdev?: string; inserted?: { file: string } }[];
    return blocks.find((b) => b.qdev === 'cd' || b.qdev?.endsWith('/cd'))?.inserted?.file;
  }

  async close(): Promise<void> {}
}
