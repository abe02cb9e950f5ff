// The IPMI unit's drivers (native RMCP+ client, ipmitool) as a PowerInterface: the
// BMC's coordinates come from the node's driver_info. The IPMI unit itself stays
// protocol only and knows nothing of nodes or of this interface.
import { ipmiCoordinates } from '#workflows/domain/drivers';
import type { BmcTarget, PowerDriver } from '../ipmi';
import type { NodeHardware, PowerInterface } from './power-interface';

function targetOf(n: NodeHardware): BmcTarget {
  const c = ipmiCoordinates(n.driverInfo);
  const password = n.driverInfo.ipmi_password;
  return {
    address: c.address,
    port: c.port,
    username: c.username,
    password: typeof password === 'string' ? password : '',
    cipherSuite: c.cipherSuite,
  };
}

export function ipmiPower(driver: PowerDriver): PowerInterface {
  return {
    getPowerState: (n) => driver.getPowerState(targetOf(n)),
    setPower: (n, action) => driver.setPower(targetOf(n), action),
    getBootDevice: (n) => driver.getBootDevice(targetOf(n)),
    setBootDevice: (n, device, opts) => driver.setBootDevice(targetOf(n), device, opts),
    injectNmi: (n) => driver.injectNmi(targetOf(n)),
    close: () => driver.close(),
  };
}
