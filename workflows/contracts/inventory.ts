// A machine's hardware inventory, as the ramdisk's inspect mode reports it (ramdisk/inventory,
// PROTOCOL.md "inspect"): the shape of Ironic's agent inventory, so that what reads Ironic's
// `GET /v1/nodes/{id}/inventory` reads ours. `driver` and `pxe_booted` are our additions.

export interface InventoryCpu {
  count: number;
  model_name: string;
  architecture: string;
  /** MHz, as a string (the agent's format). */
  frequency: string;
  flags: string[];
}

export interface InventoryDisk {
  name: string;
  size: number;
  model: string | null;
  vendor: string | null;
  serial: string | null;
  wwn: string | null;
  rotational: boolean;
  by_path: string | null;
}

export interface InventoryInterface {
  name: string;
  mac_address: string;
  ipv4_address: string | null;
  driver: string | null;
  has_carrier: boolean;
  speed_mbps: number | null;
  pxe_booted: boolean;
}

export interface Inventory {
  cpu: InventoryCpu;
  memory: { total: number; physical_mb: number };
  disks: InventoryDisk[];
  interfaces: InventoryInterface[];
  system_vendor: {
    manufacturer: string | null;
    product_name: string | null;
    serial_number: string | null;
    firmware?: { vendor: string | null; version: string | null; build_date: string | null };
  };
  boot: { current_boot_mode: 'bios' | 'uefi'; pxe_interface: string | null };
  bmc_address?: string;
}

/** The largest inventory accepted, serialised (a rack server with 24 disks and 8 NICs is ~10 KiB). */
export const INVENTORY_MAX_BYTES = 64 * 1024;
/** The most disks, and the most interfaces, one inventory may list. */
export const INVENTORY_MAX_ITEMS = 256;
