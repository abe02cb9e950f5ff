// Discovery: what a server that PXE-booted while unknown (no port has its MAC) becomes, from the
// inventory its ramdisk posted (ramdisk/PROTOCOL.md "discover"). Pure: the API's discovery service
// writes it. The node is enrolled with the ipmi driver, in `enroll`; its ports are its NICs (only
// the one it PXE-booted from is pxe_enabled, or all of them if the ramdisk could not tell); its
// properties come from the inventory as Ironic's inspection sets them (cpus, memory_mb, local_gb,
// cpu_arch, capabilities boot_mode). driver_info.ipmi_address only when the ramdisk read a BMC
// address; credentials never come from the machine: the operator adds them.
import type { Inventory } from '../contracts/inventory';

const GiB = 2 ** 30;

export interface DiscoveredNode {
  properties: { cpus: number; memory_mb: number; local_gb: number; cpu_arch: string; capabilities: string };
  driverInfo: Record<string, string>;
  ports: { address: string; pxeEnabled: boolean }[];
  /** The admin-visible history event: that it was discovered, and what the operator must add (at most 255 characters, as history keeps). */
  event: string;
  /** A second event: what the machine is (CPU, memory, disks, vendor, serial, boot mode). */
  summary: string;
  /** WARNING when the node cannot be managed as it is (no BMC address), else INFO. */
  severity: 'INFO' | 'WARNING';
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** The inventory's NIC MACs, lower-cased, valid and distinct, in order. */
export function inventoryMacs(inv: Inventory): string[] {
  return [...new Set(inv.interfaces.map((i) => String(i.mac_address).toLowerCase()).filter((m) => MAC.test(m)))];
}

export function isIpv4(v: unknown): v is string {
  return typeof v === 'string' && /^(\d{1,3})(\.\d{1,3}){3}$/.test(v) && v.split('.').every((b) => Number(b) <= 255) && v !== '0.0.0.0';
}

/** The node to enroll for a discovered server; `source` is the address its report came from. */
export function discoveredNode(inv: Inventory, source: string): DiscoveredNode {
  const macs = inventoryMacs(inv);
  const booted = new Set(inv.interfaces.filter((i) => i.pxe_booted).map((i) => String(i.mac_address).toLowerCase()));
  if (inv.boot.pxe_interface) booted.add(inv.boot.pxe_interface.toLowerCase());
  const known = macs.some((m) => booted.has(m));
  // Ironic's local_gb: the root disk (without hints the ramdisk takes the largest) less 1 GiB for partitioning.
  const largest = Math.max(0, ...inv.disks.map((d) => d.size));
  const properties = {
    cpus: inv.cpu.count,
    memory_mb: inv.memory.physical_mb,
    local_gb: Math.max(0, Math.floor(largest / GiB) - 1),
    cpu_arch: inv.cpu.architecture,
    capabilities: `boot_mode:${inv.boot.current_boot_mode}`,
  };
  const bmc = isIpv4(inv.bmc_address) ? inv.bmc_address : undefined;
  const nics = `NICs ${macs.join(', ')}${known ? ` (PXE: ${macs.filter((m) => booted.has(m)).join(', ')})` : ''}.`;
  const summary = [
    `Discovered hardware: ${inv.cpu.count} CPU ${inv.cpu.architecture}, ${inv.memory.physical_mb} MiB`,
    `${inv.disks.length} disk(s)`,
    `${[inv.system_vendor.manufacturer, inv.system_vendor.product_name].filter(Boolean).join(' ') || 'unknown vendor'}`,
    `serial ${inv.system_vendor.serial_number ?? 'unknown'}`,
    `boot mode ${inv.boot.current_boot_mode}`,
  ].join('; ');
  const todo = bmc
    ? `BMC ${bmc} read from the machine: set driver_info ipmi_username and ipmi_password, then manage.`
    : 'No BMC address readable (a VM has none): set driver_info ipmi_address, ipmi_username, ipmi_password (ipmi_port if not 623) before manage.';
  return {
    properties,
    driverInfo: bmc ? { ipmi_address: bmc } : {},
    ports: macs.map((address) => ({ address, pxeEnabled: known ? booted.has(address) : true })),
    // What to do comes before the NIC list, which may be long: history keeps 255 characters.
    event: `Discovered by PXE boot from ${source}. ${todo} ${nics}`,
    summary: `${summary}.`,
    severity: bmc ? 'INFO' : 'WARNING',
  };
}
