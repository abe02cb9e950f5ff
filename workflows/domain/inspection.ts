// What an inspection changes on a node, decided from the ramdisk's inventory: the
// properties Ironic's inspection sets (cpus, memory_mb, local_gb, cpu_arch, and
// boot_mode merged into capabilities), the ports to create, and the plugin_data that
// records how we decided. Pure: the activity (activities/inspection) reads and writes.
//
// Ironic's rules, kept here:
// - the root disk is the disk the `root_device` hints match, else the smallest disk of
//   at least 4 GiB; none: local_gb is 0 and plugin_data says why;
// - local_gb = the root disk's whole GiB minus 1 (room for partitioning: Ironic's
//   disk_partitioning_spacing, on by default);
// - capabilities is a "key:value,key:value" string; boot_mode replaces only its own key.
import type { Inventory, InventoryDisk, InventoryInterface } from '../contracts/inventory';

const GiB = 1024 ** 3;
/** Ironic skips disks smaller than this when it picks a root disk without hints. */
export const MIN_ROOT_DISK_BYTES = 4 * GiB;

/** Ironic's root device hints (properties.root_device). */
export interface RootDeviceHints {
  name?: string;
  size?: number | string;
  serial?: string;
  wwn?: string;
  model?: string;
  vendor?: string;
  rotational?: boolean | string;
  by_path?: string;
}

export interface InspectionResult {
  /** The node's properties after the inspection (all other keys kept). */
  properties: Record<string, unknown>;
  /** What changed, one entry per property: "cpus: 1 -> 2". */
  changes: string[];
  /** NICs to create ports for (not yet a port of this node), lower-case MACs. */
  newPorts: { address: string; pxeEnabled: boolean; name: string }[];
  pluginData: Record<string, unknown>;
}

function norm(v: unknown): string {
  return String(v ?? '')
    .trim()
    .toLowerCase();
}

function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = norm(v);
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(s)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(s)) return false;
  return undefined;
}

/** Does this disk satisfy every hint given? (size in GiB, as Ironic; strings case-insensitive.) */
export function diskMatchesHints(d: InventoryDisk, hints: RootDeviceHints): boolean {
  for (const [k, want] of Object.entries(hints)) {
    if (want === undefined || want === null) continue;
    switch (k) {
      case 'size':
        if (Math.floor(d.size / GiB) !== Number(want)) return false;
        break;
      case 'rotational':
        if (asBool(want) !== d.rotational) return false;
        break;
      case 'name': {
        const w = norm(want);
        if (norm(d.name) !== (w.startsWith('/dev/') ? w : `/dev/${w}`)) return false;
        break;
      }
      case 'serial':
      case 'wwn':
      case 'model':
      case 'vendor':
      case 'by_path':
        if (norm(d[k]) !== norm(want)) return false;
        break;
      default:
        // A hint Ironflow does not know (hctl, wwn_with_extension, ...) matches nothing.
        return false;
    }
  }
  return true;
}

/** The root disk by Ironic's rule, and why it is that one (or why there is none). */
export function chooseRootDisk(
  disks: readonly InventoryDisk[],
  hints: RootDeviceHints | undefined,
): { disk: InventoryDisk | null; rule: string } {
  if (hints && Object.keys(hints).length) {
    const disk = disks.find((d) => diskMatchesHints(d, hints)) ?? null;
    return {
      disk,
      rule: disk ? `root_device hints ${JSON.stringify(hints)}` : `no disk matches root_device hints ${JSON.stringify(hints)}`,
    };
  }
  const big = disks.filter((d) => d.size >= MIN_ROOT_DISK_BYTES).sort((a, b) => a.size - b.size || a.name.localeCompare(b.name));
  return big.length
    ? { disk: big[0], rule: 'the smallest disk of at least 4 GiB' }
    : { disk: null, rule: `no disk of at least 4 GiB (${disks.length} disk(s) reported)` };
}

/** Sets key in a "k:v,k:v" capabilities string (or object), keeping the other keys and their order. */
export function mergeCapability(existing: unknown, key: string, value: string): string {
  let pairs: [string, string][] = [];
  if (typeof existing === 'string' && existing.trim()) {
    pairs = existing.split(',').map((p) => {
      const i = p.indexOf(':');
      return i < 0 ? [p.trim(), ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    });
  } else if (existing && typeof existing === 'object' && !Array.isArray(existing)) {
    pairs = Object.entries(existing as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
  }
  const at = pairs.findIndex(([k]) => k === key);
  if (at >= 0) pairs[at] = [key, value];
  else pairs.push([key, value]);
  return pairs
    .filter(([k]) => k !== '')
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
}

/** The NIC the node PXE-booted from: the ramdisk's pxe_booted flag, else boot.pxe_interface (a name or a MAC). */
export function bootInterface(inv: Inventory): InventoryInterface | null {
  const flagged = inv.interfaces.find((i) => i.pxe_booted);
  if (flagged) return flagged;
  const p = norm(inv.boot.pxe_interface);
  if (!p) return null;
  return inv.interfaces.find((i) => norm(i.mac_address) === p || norm(i.name) === p) ?? null;
}

function shown(v: unknown): string {
  return v === undefined ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * The inspection's outcome for a node with these properties and port MACs. `takenMacs`: MACs
 * that are ports of other nodes (a MAC is unique across ports): reported, never created.
 */
export function applyInspection(
  inv: Inventory,
  current: { properties: Record<string, unknown>; portMacs: readonly string[]; takenMacs?: readonly string[] },
): InspectionResult {
  const hints = current.properties.root_device as RootDeviceHints | undefined;
  const root = chooseRootDisk(inv.disks, hints && typeof hints === 'object' ? hints : undefined);
  const localGb = root.disk ? Math.max(Math.floor(root.disk.size / GiB) - 1, 0) : 0;
  const props: Record<string, unknown> = {
    ...current.properties,
    cpus: inv.cpu.count,
    cpu_arch: inv.cpu.architecture,
    memory_mb: inv.memory.physical_mb,
    local_gb: localGb,
    capabilities: mergeCapability(current.properties.capabilities, 'boot_mode', inv.boot.current_boot_mode),
  };
  const changes = ['cpus', 'memory_mb', 'local_gb', 'cpu_arch', 'capabilities']
    .filter((k) => JSON.stringify(current.properties[k]) !== JSON.stringify(props[k]))
    .map((k) => `${k}: ${shown(current.properties[k])} -> ${shown(props[k])}`);

  const boot = bootInterface(inv);
  const known = new Set(current.portMacs.map(norm));
  const taken = new Set((current.takenMacs ?? []).map(norm));
  const newPorts: InspectionResult['newPorts'] = [];
  const skipped: string[] = [];
  for (const nic of inv.interfaces) {
    const mac = norm(nic.mac_address);
    if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) || known.has(mac)) continue;
    if (taken.has(mac)) {
      skipped.push(mac);
      continue;
    }
    known.add(mac);
    newPorts.push({ address: mac, pxeEnabled: nic === boot, name: nic.name });
  }
  const pluginData: Record<string, unknown> = {
    root_disk: root.disk,
    root_disk_rule: root.rule,
    boot_interface: boot ? norm(boot.mac_address) : null,
    macs: inv.interfaces.map((i) => norm(i.mac_address)),
    all_interfaces: Object.fromEntries(
      inv.interfaces.map((i) => [i.name, { mac: norm(i.mac_address), ip: i.ipv4_address, pxe: i === boot }]),
    ),
    ports_created: newPorts.map((p) => p.address),
    ...(skipped.length ? { ports_skipped_owned_by_other_nodes: skipped } : {}),
  };
  return { properties: props, changes, newPorts, pluginData };
}
