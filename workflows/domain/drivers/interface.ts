// What a driver interface and a hardware type are, as data. Each power, management,
// boot or deploy interface owns its driver_info rules and the properties it names;
// a hardware type lists, per interface type, the interfaces it enables (default first).
export const INTERFACE_TYPES = [
  'bios',
  'boot',
  'console',
  'deploy',
  'firmware',
  'inspect',
  'management',
  'network',
  'power',
  'raid',
  'rescue',
  'storage',
  'vendor',
] as const;
export type InterfaceType = (typeof INTERFACE_TYPES)[number];

export interface DriverInfoOptions {
  /** Only malformed values count, not missing ones (a node may be enrolled before its BMC is known). */
  allowMissing?: boolean;
}

export interface DriverInterface {
  type: InterfaceType;
  name: string;
  /** The driver_info keys this interface reads, each with what it means (GET /v1/drivers/{name}/properties). */
  properties?: Readonly<Record<string, string>>;
  /** Why driver_info does not suit this interface, as human-readable reasons (empty when it does). */
  driverInfoProblems?(info: Record<string, unknown>, opts: DriverInfoOptions): string[];
  /** Boot interfaces that network-boot the node: it needs a port with PXE enabled. */
  needsPxePort?: boolean;
  /** Boot interfaces that boot the deploy ramdisk from a virtual CD the BMC mounts (the worker's deploy ISO). */
  virtualMedia?: boolean;
  /** Deploy interfaces that write an image: instance_info must name one, with its checksum. */
  needsImage?: boolean;
  /** Accepted at enrollment, but its actions are not implemented yet: what is missing, for error messages. */
  notImplemented?: string;
}

/** The enabled interfaces of one type, the default first. */
export type EnabledInterfaces = readonly [DriverInterface, ...DriverInterface[]];

export interface HardwareType {
  name: string;
  interfaces: Readonly<Record<InterfaceType, EnabledInterfaces>>;
  /** Derived from `interfaces`: the default interface name per type. */
  defaults: Readonly<Record<InterfaceType, string>>;
  /** Derived from `interfaces`: the enabled interface names per type. */
  enabled: Readonly<Record<InterfaceType, readonly string[]>>;
}

export function hardwareType(name: string, interfaces: Record<InterfaceType, EnabledInterfaces>): HardwareType {
  const defaults = {} as Record<InterfaceType, string>;
  const enabled = {} as Record<InterfaceType, readonly string[]>;
  for (const t of INTERFACE_TYPES) {
    for (const i of interfaces[t]) {
      if (i.type !== t) throw new Error(`hardware type ${name}: ${i.type} interface ${i.name} listed as a ${t} interface`);
    }
    defaults[t] = interfaces[t][0].name;
    enabled[t] = interfaces[t].map((i) => i.name);
  }
  return { name, interfaces, defaults, enabled };
}

/** An interface that has nothing to check and names no properties (no-bios, noop, fake, ...). */
export function plainInterface(type: InterfaceType, name: string): DriverInterface {
  return { type, name };
}
