// The registry: every hardware type Ironflow supports and, per interface type, the
// interfaces it enables (the default first). Adding a hardware type is one entry here.
import { FAKE_HARDWARE } from './fake-hardware';
import { hardwareType, type HardwareType } from './interface';
import { IPMI_MANAGEMENT, IPMI_POWER, IPMITOOL_MANAGEMENT, IPMITOOL_POWER } from './ipmi';
import {
  NO_BIOS,
  NO_CONSOLE,
  NO_FIRMWARE,
  NO_INSPECT,
  NO_RAID,
  NO_RESCUE,
  NO_VENDOR,
  NOOP_NETWORK,
  NOOP_STORAGE,
  FLAT_NETWORK,
} from './no-op';
import { AGENT_INSPECT, AGENT_RAID, AGENT_RESCUE } from './agent';
import { DIRECT_DEPLOY, IPXE_BOOT, ISCSI_DEPLOY, PXE_BOOT } from './pxe';
import { REDFISH_MANAGEMENT, REDFISH_POWER, REDFISH_VIRTUAL_MEDIA_BOOT } from './redfish';

const IPMI = hardwareType('ipmi', {
  bios: [NO_BIOS],
  boot: [PXE_BOOT, IPXE_BOOT],
  console: [NO_CONSOLE],
  deploy: [ISCSI_DEPLOY, DIRECT_DEPLOY],
  firmware: [NO_FIRMWARE],
  inspect: [NO_INSPECT, AGENT_INSPECT],
  management: [IPMI_MANAGEMENT, IPMITOOL_MANAGEMENT],
  network: [NOOP_NETWORK, FLAT_NETWORK],
  power: [IPMI_POWER, IPMITOOL_POWER],
  raid: [NO_RAID, AGENT_RAID],
  // Ironic's ipmi type: no-rescue by default, agent when enabled.
  rescue: [NO_RESCUE, AGENT_RESCUE],
  storage: [NOOP_STORAGE],
  vendor: [NO_VENDOR],
});

// Ironic's redfish type, with the network boots ipmi has; redfish-virtual-media is accepted at enrollment (deploying with it is the vmedia work).
const REDFISH = hardwareType('redfish', {
  bios: [NO_BIOS],
  boot: [PXE_BOOT, IPXE_BOOT, REDFISH_VIRTUAL_MEDIA_BOOT],
  console: [NO_CONSOLE],
  deploy: [ISCSI_DEPLOY, DIRECT_DEPLOY],
  firmware: [NO_FIRMWARE],
  inspect: [NO_INSPECT, AGENT_INSPECT],
  management: [REDFISH_MANAGEMENT],
  network: [NOOP_NETWORK, FLAT_NETWORK],
  power: [REDFISH_POWER],
  raid: [NO_RAID, AGENT_RAID],
  rescue: [NO_RESCUE, AGENT_RESCUE],
  storage: [NOOP_STORAGE],
  vendor: [NO_VENDOR],
});

export const HARDWARE_TYPES: readonly HardwareType[] = [IPMI, REDFISH, FAKE_HARDWARE];
