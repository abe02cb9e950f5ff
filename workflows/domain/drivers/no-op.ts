// The interfaces that do nothing (Ironic's no-bios, noop, ...): a hardware type
// lists them where it has no real implementation of an interface type.
import { plainInterface } from './interface';

export const NO_BIOS = plainInterface('bios', 'no-bios');
export const NO_CONSOLE = plainInterface('console', 'no-console');
export const NO_FIRMWARE = plainInterface('firmware', 'no-firmware');
export const NO_INSPECT = plainInterface('inspect', 'no-inspect');
export const NOOP_NETWORK = plainInterface('network', 'noop');
/** Ironic's flat network without Neutron: VIFs are recorded on the node's ports (API vifs), nothing is wired. */
export const FLAT_NETWORK = plainInterface('network', 'flat');
export const NO_RAID = plainInterface('raid', 'no-raid');
export const NO_RESCUE = plainInterface('rescue', 'no-rescue');
export const NOOP_STORAGE = plainInterface('storage', 'noop');
export const NO_VENDOR = plainInterface('vendor', 'no-vendor');
