// The IPMI commands we send, as request builders and response parsers
// (IPMI v2.0 chapters 20, 22 and 28). Pure: no I/O.
import { IpmiProtocolError } from './errors';

export const NetFn = { chassis: 0x00, app: 0x06 } as const;

export interface CommandSpec {
  name: string;
  netFn: number;
  cmd: number;
  data: Buffer;
}

function need(data: Buffer, n: number, what: string): void {
  if (data.length < n) throw new IpmiProtocolError(`${what}: response too short (${data.length} < ${n} bytes)`);
}

// ---- session management (App netFn) ------------------------------------------

/** Get Channel Authentication Capabilities for the current channel, asking for IPMI v2.0 data. */
export function getChannelAuthCapabilities(privilege: number): CommandSpec {
  return { name: 'Get Channel Authentication Capabilities', netFn: NetFn.app, cmd: 0x38, data: Buffer.from([0x8e, privilege & 0x0f]) };
}

export interface ChannelAuthCapabilities {
  channel: number;
  /** The BMC reports IPMI v2.0 extended capabilities and RMCP+ support. */
  ipmi20: boolean;
}

export function parseChannelAuthCapabilities(data: Buffer): ChannelAuthCapabilities {
  need(data, 4, 'Get Channel Authentication Capabilities');
  const extended = (data[1] & 0x80) !== 0;
  return { channel: data[0], ipmi20: extended && (data[3] & 0x02) !== 0 };
}

export function setSessionPrivilegeLevel(privilege: number): CommandSpec {
  return { name: 'Set Session Privilege Level', netFn: NetFn.app, cmd: 0x3b, data: Buffer.from([privilege & 0x0f]) };
}

export function closeSession(bmcSessionId: number): CommandSpec {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(bmcSessionId >>> 0, 0);
  return { name: 'Close Session', netFn: NetFn.app, cmd: 0x3c, data };
}

// ---- Get Device ID -------------------------------------------------------------

export function getDeviceId(): CommandSpec {
  return { name: 'Get Device ID', netFn: NetFn.app, cmd: 0x01, data: Buffer.alloc(0) };
}

export interface DeviceId {
  deviceId: number;
  deviceRevision: number;
  firmwareRevision: string;
  ipmiVersion: string;
  manufacturerId: number;
  productId: number;
}

export function parseDeviceId(data: Buffer): DeviceId {
  need(data, 11, 'Get Device ID');
  const minor = data[3];
  return {
    deviceId: data[0],
    deviceRevision: data[1] & 0x0f,
    firmwareRevision: `${data[2] & 0x7f}.${(minor >> 4).toString()}${(minor & 0x0f).toString()}`,
    ipmiVersion: `${data[4] & 0x0f}.${data[4] >> 4}`,
    manufacturerId: data[6] | (data[7] << 8) | ((data[8] & 0x0f) << 16),
    productId: data.readUInt16LE(9),
  };
}

// ---- chassis -------------------------------------------------------------------

export function getChassisStatus(): CommandSpec {
  return { name: 'Get Chassis Status', netFn: NetFn.chassis, cmd: 0x01, data: Buffer.alloc(0) };
}

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  interlock: boolean;
  powerFault: boolean;
  powerControlFault: boolean;
  /** 0 stay off, 1 restore previous, 2 always on, 3 unknown. */
  restorePolicy: number;
}

export function parseChassisStatus(data: Buffer): ChassisStatus {
  need(data, 3, 'Get Chassis Status');
  const s = data[0];
  return {
    powerOn: (s & 0x01) !== 0,
    powerOverload: (s & 0x02) !== 0,
    interlock: (s & 0x04) !== 0,
    powerFault: (s & 0x08) !== 0,
    powerControlFault: (s & 0x10) !== 0,
    restorePolicy: (s >> 5) & 0x03,
  };
}

export type ChassisAction = 'down' | 'up' | 'cycle' | 'hardReset' | 'diagInterrupt' | 'softShutdown';

const CHASSIS_ACTIONS: Readonly<Record<ChassisAction, number>> = {
  down: 0x00,
  up: 0x01,
  cycle: 0x02,
  hardReset: 0x03,
  diagInterrupt: 0x04, // "pulse diagnostic interrupt": the NMI Ironic's inject_nmi sends
  softShutdown: 0x05, // "initiate soft-shutdown via ACPI by emulating a fatal overtemperature"
};

export function chassisControl(action: ChassisAction): CommandSpec {
  return { name: 'Chassis Control', netFn: NetFn.chassis, cmd: 0x02, data: Buffer.from([CHASSIS_ACTIONS[action]]) };
}

// ---- boot options (parameter 5, boot flags) --------------------------------------

export type BootDeviceName = 'none' | 'pxe' | 'disk' | 'safe' | 'diag' | 'cdrom' | 'bios' | 'floppy';

/** Boot device selector, bits 5:2 of boot flags data byte 2. */
const BOOT_SELECTORS: ReadonlyArray<[BootDeviceName, number]> = [
  ['none', 0x0],
  ['pxe', 0x1],
  ['disk', 0x2],
  ['safe', 0x3],
  ['diag', 0x4],
  ['cdrom', 0x5],
  ['bios', 0x6],
  ['floppy', 0xf],
];

export interface BootFlags {
  device: BootDeviceName | null;
  /** Raw selector bits (useful when the BMC reports one we have no name for). */
  selector: number;
  persistent: boolean;
  uefi: boolean;
  /** The "boot flags valid" bit. */
  valid: boolean;
}

/** The 5 data bytes of boot flags: valid bit set, persistence and BIOS boot type, device. */
export function encodeBootFlags(device: BootDeviceName, persistent: boolean, uefi: boolean): Buffer {
  const entry = BOOT_SELECTORS.find(([name]) => name === device);
  if (!entry) throw new IpmiProtocolError(`unknown boot device ${device}`, false);
  const byte1 = 0x80 | (persistent ? 0x40 : 0) | (uefi ? 0x20 : 0);
  return Buffer.from([byte1, entry[1] << 2, 0, 0, 0]);
}

export function decodeBootFlags(flags: Buffer): BootFlags {
  need(flags, 2, 'boot flags');
  const selector = (flags[1] >> 2) & 0x0f;
  const entry = BOOT_SELECTORS.find(([, v]) => v === selector);
  return {
    device: entry ? entry[0] : null,
    selector,
    persistent: (flags[0] & 0x40) !== 0,
    uefi: (flags[0] & 0x20) !== 0,
    valid: (flags[0] & 0x80) !== 0,
  };
}

export function setBootFlags(device: BootDeviceName, persistent: boolean, uefi: boolean): CommandSpec {
  return {
    name: 'Set System Boot Options',
    netFn: NetFn.chassis,
    cmd: 0x08,
    data: Buffer.concat([Buffer.from([0x05]), encodeBootFlags(device, persistent, uefi)]),
  };
}

export function getBootFlags(): CommandSpec {
  return { name: 'Get System Boot Options', netFn: NetFn.chassis, cmd: 0x09, data: Buffer.from([0x05, 0x00, 0x00]) };
}

/** Response: parameter version, parameter selector (bit 7 = invalid/locked), then the boot flags. */
export function parseBootFlagsResponse(data: Buffer): BootFlags {
  need(data, 4, 'Get System Boot Options');
  if ((data[1] & 0x7f) !== 0x05) throw new IpmiProtocolError(`Get System Boot Options answered parameter ${data[1] & 0x7f}`);
  return decodeBootFlags(data.subarray(2));
}
