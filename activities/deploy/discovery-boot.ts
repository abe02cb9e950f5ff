// Discovery's boot side (IRONFLOW_DISCOVERY=1), set up once at worker start: the default pxelinux
// and iPXE configs boot the deploy ramdisk in `ironflow.mode=discover`, posting to the API's
// POST /v1/discovery, and dnsmasq tags every MAC (a wildcard hostsdir entry) so unknown servers get
// boot files at all. Off (the default): both are removed, and only the MACs of nodes being
// provisioned get boot files, as before. A node's own per-MAC config always wins over the default.
import { removeDefaultBootConfig, writeDefaultBootConfig } from '../pxe';
import { removeDiscoveryDhcpHost, writeDiscoveryDhcpHost } from './dhcp-hosts';

export interface DiscoveryBootConfig {
  enabled: boolean;
  bootRoot: string;
  dhcpHostsDir: string;
  deployKernel: string;
  deployRamdisk: string;
  /** The API as the ramdisk reaches it (IRONFLOW_CALLBACK_URL). */
  callbackBase: string;
  httpBootUrl?: string;
  ramdiskAppend?: string;
}

/** Writes (enabled) or removes (disabled) the discovery boot; returns the files written. */
export async function applyDiscoveryBoot(c: DiscoveryBootConfig): Promise<string[]> {
  if (!c.enabled) {
    await removeDiscoveryDhcpHost(c.dhcpHostsDir);
    await removeDefaultBootConfig(c.bootRoot);
    return [];
  }
  const files = await writeDefaultBootConfig(c.bootRoot, {
    boot: {
      kind: 'discover',
      kernelFile: c.deployKernel,
      ramdiskFile: c.deployRamdisk,
      callbackUrl: `${c.callbackBase.replace(/\/+$/, '')}/v1/discovery`,
      append: c.ramdiskAppend,
    },
    httpBootUrl: c.httpBootUrl,
  });
  files.push(await writeDiscoveryDhcpHost(c.dhcpHostsDir));
  return files;
}
