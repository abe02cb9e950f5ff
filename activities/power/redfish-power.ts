// The Redfish unit's driver as a PowerInterface (power and management `redfish`),
// with the virtual media the redfish-virtual-media boot uses. The BMC's coordinates
// come from the node's driver_info; the password stays in this process.
import { redfishCoordinates } from '#workflows/domain/drivers';
import type { RedfishDriver, RedfishTarget } from '../redfish';
import type { NodeHardware, PowerInterface } from './power-interface';

function targetOf(n: NodeHardware): RedfishTarget {
  const c = redfishCoordinates(n.driverInfo);
  const password = n.driverInfo.redfish_password;
  return { ...c, password: typeof password === 'string' ? password : '' };
}

export function redfishPower(driver: RedfishDriver): PowerInterface {
  return {
    getPowerState: (n) => driver.getPowerState(targetOf(n)),
    setPower: (n, action) => driver.setPower(targetOf(n), action),
    getBootDevice: (n) => driver.getBootDevice(targetOf(n)),
    setBootDevice: (n, device, opts) => driver.setBootDevice(targetOf(n), device, opts),
    injectNmi: (n) => driver.injectNmi(targetOf(n)),
    close: () => driver.close(),
    virtualMedia: {
      insert: (n, slot, url) => driver.insertMedia(targetOf(n), slot, url),
      eject: (n, slot) => driver.ejectMedia(targetOf(n), slot),
    },
  };
}
