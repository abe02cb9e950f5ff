// Hardware types and their interfaces as a registry (hardware-types.ts), and the
// rules every caller asks through it: which interfaces a node uses, what its
// driver_info lacks, which properties a hardware type reads, what a deploy needs.
// Pure: the API (create, validate, deploy) and the worker ask the same questions here.
import { HARDWARE_TYPES } from './hardware-types';
import { INTERFACE_TYPES, type DriverInfoOptions, type DriverInterface, type HardwareType, type InterfaceType } from './interface';

export { HARDWARE_TYPES } from './hardware-types';
export { INTERFACE_TYPES, type DriverInfoOptions, type DriverInterface, type HardwareType, type InterfaceType } from './interface';
export { ipmiCoordinates, type IpmiCoordinates } from './ipmi';
export { REDFISH_VIRTUAL_MEDIA_BOOT } from './virtual-media';
export { redfishCoordinates, type RedfishCoordinates } from './redfish';

export function findHardwareType(name: string): HardwareType | undefined {
  return HARDWARE_TYPES.find((h) => h.name === name);
}

/** What the rules read of a node: its driver, its *_interface overrides and its driver_info in the clear. */
export interface NodeDriverFields {
  driver: string;
  /** The node's `interfaces` column: `<type>: name` overrides (other keys are ignored). */
  interfaces: Readonly<Record<string, unknown>>;
  driverInfo: Readonly<Record<string, unknown>>;
}

/** Power first, then management, boot and deploy: the order reasons and properties are listed in. */
const CHECK_ORDER: readonly InterfaceType[] = [
  'power',
  'management',
  'boot',
  'deploy',
  ...INTERFACE_TYPES.filter((t) => !['power', 'management', 'boot', 'deploy'].includes(t)),
];

export interface ResolvedInterfaces {
  hardwareType?: HardwareType;
  /** Per type, the interface the node uses; a type is missing when its override is not enabled. */
  interfaces: Partial<Record<InterfaceType, DriverInterface>>;
  problems: string[];
}

/** The interface a node uses per type: its override, else the hardware type's default. */
export function resolveInterfaces(node: Pick<NodeDriverFields, 'driver' | 'interfaces'>): ResolvedInterfaces {
  const hw = findHardwareType(node.driver);
  if (!hw)
    return {
      interfaces: {},
      problems: [`Unknown driver ${node.driver}: known drivers are ${HARDWARE_TYPES.map((h) => h.name).join(', ')}.`],
    };
  const interfaces: Partial<Record<InterfaceType, DriverInterface>> = {};
  const problems: string[] = [];
  for (const t of CHECK_ORDER) {
    const override = node.interfaces[t];
    const name = typeof override === 'string' ? override : hw.defaults[t];
    const found = hw.interfaces[t].find((i) => i.name === name);
    if (found) interfaces[t] = found;
    else problems.push(`The ${t} interface ${name} is not enabled for driver ${hw.name}: use one of ${hw.enabled[t].join(', ')}.`);
  }
  return { hardwareType: hw, interfaces, problems };
}

/**
 * Why the node's driver_info does not suit its interfaces (empty when it does): the one
 * check behind create, PATCH, validate, power, boot device, deploy and the worker's reads.
 * With `allowMissing`, only malformed values count.
 */
export function driverInfoProblems(node: NodeDriverFields, opts: DriverInfoOptions = {}): string[] {
  const resolved = resolveInterfaces(node);
  const reasons = [...resolved.problems];
  for (const t of CHECK_ORDER) {
    const check = resolved.interfaces[t]?.driverInfoProblems;
    if (check) reasons.push(...check({ ...node.driverInfo }, opts));
  }
  return [...new Set(reasons)]; // power and management often share their rules
}

/** GET /v1/drivers/{name}/properties: the union of the default interfaces' properties. */
export function driverProperties(hw: HardwareType): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of CHECK_ORDER) Object.assign(out, hw.interfaces[t][0].properties ?? {});
  return out;
}

/** Does the node boot its deploy ramdisk from virtual media (the deploy ISO) rather than the network? */
export function bootsFromVirtualMedia(node: Pick<NodeDriverFields, 'driver' | 'interfaces'>): boolean {
  return resolveInterfaces(node).interfaces.boot?.virtualMedia === true;
}

/** What a deploy of this node needs besides driver_info (an unknown driver needs everything). */
export function deployNeeds(node: Pick<NodeDriverFields, 'driver' | 'interfaces'>): { pxePort: boolean; image: boolean } {
  const { hardwareType, interfaces } = resolveInterfaces(node);
  if (!hardwareType) return { pxePort: true, image: true };
  return { pxePort: interfaces.boot?.needsPxePort ?? true, image: interfaces.deploy?.needsImage ?? true };
}
