// Why a ramdisk never called back: the boot's steps in order, each from evidence the
// site has, and the first one that did not happen. Power on: the workflow's own record
// (the BMC accepted it and read back "power on"). DHCP and TFTP: the dnsmasq log
// (IRONFLOW_DNSMASQ_LOG), when one is configured. Callbacks: the deployment record.
import fs from 'node:fs/promises';
import { nicBootTrail, type NicBootTrail } from './dnsmasq-log';
import type { DeployActivityDeps } from './deploy-deps';

/** The last bytes of the log read: a busy dnsmasq writes a lot, the boot is recent. */
const LOG_TAIL_BYTES = 8 * 1024 * 1024;

async function tail(file: string): Promise<string> {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, LOG_TAIL_BYTES);
    const b = Buffer.alloc(len);
    await fh.read(b, 0, len, size - len);
    return b.toString('utf8');
  } finally {
    await fh.close();
  }
}

export interface BootEvidence {
  poweredOnAt: string | null;
  macs: string[];
  /** null: no DHCP log configured (or unreadable: see logProblem). */
  trails: Record<string, NicBootTrail> | null;
  logProblem?: string;
  callbacks: number;
  /** iPXE loads the boot config and ramdisk over HTTP (IRONFLOW_HTTP_BOOT_URL): TFTP shows only the bootloader. */
  httpBoot?: boolean;
}

/** The sentence for last_error: what was seen, step by step, and the first step that never happened. */
export function explainSilence(e: BootEvidence, logName: string | undefined): string {
  const seen: string[] = [];
  let missing: string | null = null;
  const miss = (what: string) => (missing ??= what);
  if (e.poweredOnAt) seen.push(`power on: accepted by the BMC at ${e.poweredOnAt}`);
  else miss('power on (the BMC never confirmed it)');
  const macs = e.macs.join(', ') || 'none';
  if (!e.macs.length) miss('a PXE-enabled port (the node has none)');
  if (!e.trails) {
    seen.push(`DHCP: unknown (${e.logProblem ?? 'no DHCP log configured'})`, 'ramdisk fetch over TFTP: unknown (no TFTP log configured)');
  } else {
    const t = Object.values(e.trails);
    const asked = t.filter((x) => x.dhcpRequests > 0).length;
    const acked = t.filter((x) => x.ackedAddress);
    seen.push(
      asked ? `DHCP: request seen from ${asked} of ${t.length} MAC(s) (${macs})` : `DHCP: no request seen from ${macs} in ${logName}`,
    );
    if (!asked) miss(`a DHCP request from the node (is ${macs} the NIC it network-boots from, and is network boot first?)`);
    else if (!acked.length) miss('a DHCP answer (dnsmasq saw the request but acknowledged none: is the MAC in the DHCP hosts?)');
    const sent = acked.flatMap((x) => x.tftpSent);
    const errors = acked.flatMap((x) => x.tftpErrors);
    if (acked.length) {
      const config = sent.some((f) => /(pxelinux\.cfg|ipxe\.cfg)\//.test(f));
      const ramdisk = sent.some((f) => /\.ramdisk$|initr/.test(f));
      seen.push(
        `TFTP: ${sent.length} file(s) sent to ${acked.map((x) => x.ackedAddress).join(', ')}${ramdisk ? ', the ramdisk among them' : config ? ', the boot config but not the ramdisk' : ''}${errors.length ? `; errors: ${errors.slice(0, 2).join(' | ')}` : ''}`,
      );
      if (!sent.length) miss('the bootloader fetch over TFTP');
      else if (e.httpBoot && !ramdisk) seen.push('boot config and ramdisk over HTTP: unknown (no HTTP log)');
      else if (!config) miss('the boot config fetch over TFTP');
      else if (!ramdisk) miss('the ramdisk fetch over TFTP');
    }
  }
  seen.push(e.callbacks ? `callbacks: ${e.callbacks} received` : 'callbacks: none received');
  if (!e.trails && !e.callbacks)
    miss('somewhere between power on and the first callback (DHCP, TFTP, ramdisk boot): no DHCP log to tell them apart');
  miss(
    e.callbacks
      ? 'the expected callback (the ramdisk called, but not with it)'
      : 'a callback from the ramdisk (it booted but never reached the API: check the callback URL and the console)',
  );
  return `Evidence: ${seen.join('; ')}. First step that never happened: ${missing}.`;
}

export function createBootEvidenceActivities({ db, deploy }: Pick<DeployActivityDeps, 'db' | 'deploy'>) {
  return {
    /** The evidence of a silent boot, as one sentence for last_error. Never throws for a missing log. */
    async explainRamdiskSilence(i: {
      nodeUuid: string;
      deploymentId: string;
      poweredOnAt: string | null;
      sinceMs: number;
    }): Promise<string> {
      const node = await db.node.findUnique({ where: { uuid: i.nodeUuid }, include: { ports: true } });
      const dep = await db.deployment.findUnique({ where: { id: i.deploymentId } });
      const macs = (node?.ports ?? []).filter((p) => p.pxeEnabled).map((p) => p.address.toLowerCase());
      const e: BootEvidence = {
        poweredOnAt: i.poweredOnAt,
        macs,
        trails: null,
        callbacks: dep?.callbacks ?? 0,
        httpBoot: Boolean(deploy.httpBootUrl),
      };
      if (deploy.dnsmasqLog) {
        try {
          const log = await tail(deploy.dnsmasqLog);
          e.trails = Object.fromEntries(macs.map((m) => [m, nicBootTrail(log, m, new Date(i.sinceMs))]));
        } catch (err) {
          e.logProblem = `cannot read the DHCP log ${deploy.dnsmasqLog}: ${(err as Error).message}`;
        }
      }
      return explainSilence(e, deploy.dnsmasqLog);
    },
  };
}
