// dnsmasq host entries for nodes being provisioned: one file per MAC in a
// `dhcp-hostsdir`, which dnsmasq re-reads by itself when files change. Written with
// the deploy boot config, removed with it. Temp file + rename; removing a missing
// entry is fine.
import fs from 'node:fs/promises';
import path from 'node:path';
import { normalizeMac } from '../pxe';
import { renderDnsmasqHost } from '../pxe/render';

/** The dnsmasq tag set on provisioning nodes (select the PXE boot file with `tag:ironflow`). */
export const PROVISIONING_TAG = 'ironflow';

function fileFor(dir: string, mac: string): string {
  return path.join(dir, normalizeMac(mac).replace(/:/g, '-')); // normalizeMac refuses anything that is not a MAC
}

export async function writeDhcpHosts(dir: string, macs: readonly string[]): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const mac of macs) {
    const file = fileFor(dir, mac);
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, renderDnsmasqHost(mac, { tag: PROVISIONING_TAG }));
    await fs.rename(tmp, file);
    written.push(file);
  }
  return written;
}

export async function removeDhcpHosts(dir: string, macs: readonly string[]): Promise<void> {
  for (const mac of macs) await fs.rm(fileFor(dir, mac), { force: true });
}

/**
 * Discovery (IRONFLOW_DISCOVERY=1): one wildcard entry that tags every MAC, so that a server no
 * node has a port for gets boot files too, and boots the default config (the discovery ramdisk).
 * Without it only the MACs of nodes being provisioned are tagged.
 */
export const DISCOVERY_HOST_FILE = 'discovery';

export async function writeDiscoveryDhcpHost(dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, DISCOVERY_HOST_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, `*:*:*:*:*:*,set:${PROVISIONING_TAG}\n`);
  await fs.rename(tmp, file);
  return file;
}

export async function removeDiscoveryDhcpHost(dir: string): Promise<void> {
  await fs.rm(path.join(dir, DISCOVERY_HOST_FILE), { force: true });
}
