// fake-hardware, the hardware type Ironic ships for consumers' CI: nothing is touched.
// Power and management `fake` keep the power state and boot device in the node's
// database row (activities/fake-hardware), boot `fake` needs no port, deploy `fake`
// reaches active without an image; the other interface types default to `fake` where
// Ironic's do, else to no-op. driver_info has no required keys.
import { hardwareType, plainInterface } from './interface';
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

export const FAKE_HARDWARE = hardwareType('fake-hardware', {
  bios: [plainInterface('bios', 'fake'), NO_BIOS],
  boot: [{ type: 'boot', name: 'fake', needsPxePort: false }],
  console: [plainInterface('console', 'fake'), NO_CONSOLE],
  deploy: [{ type: 'deploy', name: 'fake', needsImage: false }],
  firmware: [plainInterface('firmware', 'fake'), NO_FIRMWARE],
  inspect: [plainInterface('inspect', 'fake'), NO_INSPECT],
  management: [plainInterface('management', 'fake')],
  network: [NOOP_NETWORK, FLAT_NETWORK],
  power: [plainInterface('power', 'fake')],
  raid: [plainInterface('raid', 'fake'), NO_RAID],
  rescue: [plainInterface('rescue', 'fake'), NO_RESCUE],
  storage: [NOOP_STORAGE],
  vendor: [plainInterface('vendor', 'fake'), NO_VENDOR],
});
