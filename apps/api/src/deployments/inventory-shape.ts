// The shape check of an `inventory` callback's object (ramdisk/PROTOCOL.md "inspect"): the six
// parts of Ironic's agent inventory with fields of the right types, within a size. Unknown extra
// fields are kept (a newer ramdisk may report more); a wrong type or a missing part is refused.
import { INVENTORY_MAX_BYTES, INVENTORY_MAX_ITEMS, type Inventory } from '#workflows/contracts/inventory';

type Check = (v: unknown) => boolean;
const obj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const str: Check = (v) => typeof v === 'string' && v.length <= 1024;
const strOrNull: Check = (v) => v === null || str(v);
const count: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const countOrNull: Check = (v) => v === null || count(v);
const bool: Check = (v) => typeof v === 'boolean';

/** Field → rule, per part; a field listed here must be present. */
const PARTS: Record<string, Record<string, Check>> = {
  cpu: {
    count: count,
    model_name: str,
    architecture: str,
    frequency: str,
    flags: (v) => Array.isArray(v) && v.length <= 1024 && v.every(str),
  },
  memory: { total: count, physical_mb: count },
  system_vendor: { manufacturer: strOrNull, product_name: strOrNull, serial_number: strOrNull },
  boot: { current_boot_mode: (v) => v === 'bios' || v === 'uefi', pxe_interface: strOrNull },
};
const ITEMS: Record<string, Record<string, Check>> = {
  disks: {
    name: str,
    size: count,
    model: strOrNull,
    vendor: strOrNull,
    serial: strOrNull,
    wwn: strOrNull,
    rotational: bool,
    by_path: strOrNull,
  },
  interfaces: {
    name: str,
    mac_address: str,
    ipv4_address: strOrNull,
    driver: strOrNull,
    has_carrier: bool,
    speed_mbps: countOrNull,
    pxe_booted: bool,
  },
};

function fieldsProblem(where: string, v: unknown, rules: Record<string, Check>): string | null {
  if (!obj(v)) return `${where} must be an object`;
  for (const [k, ok] of Object.entries(rules)) {
    if (!(k in v)) return `${where}.${k} is missing`;
    if (!ok(v[k])) return `${where}.${k} has the wrong type (got ${JSON.stringify(v[k])?.slice(0, 80)})`;
  }
  return null;
}

/** Why `v` is not an inventory we accept, or null if it is one. */
export function inventoryProblem(v: unknown): string | null {
  if (!obj(v)) return 'inventory must be an object';
  const size = Buffer.byteLength(JSON.stringify(v));
  if (size > INVENTORY_MAX_BYTES) return `inventory must be at most ${INVENTORY_MAX_BYTES} bytes serialised, got ${size}`;
  for (const [part, rules] of Object.entries(PARTS)) {
    const p = fieldsProblem(`inventory.${part}`, v[part], rules);
    if (p) return p;
  }
  for (const [part, rules] of Object.entries(ITEMS)) {
    const list = v[part];
    if (!Array.isArray(list) || list.length > INVENTORY_MAX_ITEMS)
      return `inventory.${part} must be an array of at most ${INVENTORY_MAX_ITEMS} objects`;
    for (const [i, item] of list.entries()) {
      const p = fieldsProblem(`inventory.${part}[${i}]`, item, rules);
      if (p) return p;
    }
  }
  if (v.bmc_address !== undefined && !str(v.bmc_address)) return 'inventory.bmc_address must be a string';
  return null;
}

/** `v` as an Inventory, once inventoryProblem(v) said null. */
export function asInventory(v: unknown): Inventory {
  return v as Inventory;
}
