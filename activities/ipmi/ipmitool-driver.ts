// PowerDriver that runs `ipmitool -I lanplus` once per call, through the one
// command runner. The password travels in IPMI_PASSWORD (-E), never in argv.
// Cipher suite 3 unless the target says otherwise: letting ipmitool discover
// the suite costs ~10 s per call against ipmi_sim.
import { CommandFailedError, runCommand } from '../shared/command-runner';
import { bootSettingFromHex } from './boot-flags';
import type { BmcTarget, BootDevice, BootDeviceSetting, PowerAction, PowerDriver, PowerState } from './driver';
import { ipmitoolError } from './ipmitool-errors';
import { encodeBootFlags } from './rmcp/commands';
import { IpmiError, IpmiProtocolError } from './rmcp/errors';
import { Semaphore } from './rmcp/limits';

export interface IpmitoolDriverOptions {
  /** ipmitool executable (default "ipmitool" on PATH). */
  binary?: string;
  /** -N: per-attempt timeout in seconds (default 1). */
  timeoutSec?: number;
  /** -R: retries (default 4). */
  retries?: number;
  /** Kill ipmitool after this long (ms, default 30000). */
  killAfterMs?: number;
  /** ipmitool processes running at once (default 16). */
  maxConcurrency?: number;
}

export class IpmitoolDriver implements PowerDriver {
  private readonly slots: Semaphore;

  constructor(private readonly o: IpmitoolDriverOptions = {}) {
    this.slots = new Semaphore(o.maxConcurrency ?? 16);
  }

  async getPowerState(t: BmcTarget): Promise<PowerState> {
    const out = await this.run(t, ['power', 'status']);
    const m = /Chassis Power is (on|off)/i.exec(out);
    if (!m) throw new IpmiProtocolError(`unexpected ipmitool output: ${out.trim().slice(0, 200)}`);
    return m[1].toLowerCase() === 'on' ? 'power on' : 'power off';
  }

  async setPower(t: BmcTarget, action: PowerAction): Promise<void> {
    await this.run(t, ['power', action]);
  }

  /** `power diag`, as Ironic's ipmitool management interface sends for inject_nmi. */
  async injectNmi(t: BmcTarget): Promise<void> {
    await this.run(t, ['power', 'diag']);
  }

  async getBootDevice(t: BmcTarget): Promise<BootDeviceSetting> {
    const out = await this.run(t, ['chassis', 'bootparam', 'get', '5']);
    const m = /Boot parameter data:\s*([0-9a-f]{10})/i.exec(out);
    if (!m) throw new IpmiProtocolError(`unexpected ipmitool output: ${out.trim().slice(0, 200)}`);
    return bootSettingFromHex(m[1]);
  }

  /**
   * Set System Boot Options, parameter 5, as a raw command (as Ironic does): the
   * exact valid/persistent/EFI bits, whatever the ipmitool version's `options=` parsing.
   */
  async setBootDevice(t: BmcTarget, dev: BootDevice, opts: { persistent: boolean; uefi?: boolean }): Promise<void> {
    const flags = encodeBootFlags(dev, opts.persistent, opts.uefi ?? false);
    const hex = [0x05, ...flags].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
    await this.run(t, ['raw', '0x00', '0x08', ...hex]);
  }

  async close(): Promise<void> {
    /* nothing held between calls */
  }

  private run(t: BmcTarget, command: string[]): Promise<string> {
    const args = [
      '-v',
      '-I',
      'lanplus',
      '-C',
      String(t.cipherSuite ?? 3),
      '-H',
      t.address,
      '-p',
      String(t.port),
      '-U',
      t.username,
      '-E',
      '-N',
      String(this.o.timeoutSec ?? 1),
      '-R',
      String(this.o.retries ?? 4),
      ...command,
    ];
    const what = command.join(' ');
    return this.slots.run(async () => {
      const started = Date.now();
      try {
        const r = await runCommand({
          file: this.o.binary ?? 'ipmitool',
          args,
          secretEnv: { IPMI_PASSWORD: t.password },
          timeoutMs: this.o.killAfterMs ?? 30000,
        });
        // Some subcommands (e.g. chassis bootdev) print "... failed: <reason>" and still exit 0.
        if (/ failed: /.test(r.stderr)) {
          throw new CommandFailedError(`ipmitool ${what} reported a failure`, r.code, r.stdout, r.stderr, false);
        }
        return r.stdout;
      } catch (e) {
        const err = ipmitoolError(e, what, Date.now() - started);
        throw err instanceof IpmiError ? err : new IpmiError(err.message);
      }
    });
  }
}
