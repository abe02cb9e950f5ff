// PowerDriver over Ironflow's own RMCP+ client: sessions are cached per target
// and reused, requests are serialised per BMC and bounded globally.
import type { BmcTarget, BootDevice, BootDeviceSetting, PowerAction, PowerDriver, PowerState } from './driver';
import { toBootDeviceSetting } from './boot-flags';
import { IpmiClient, type IpmiClientOptions } from './rmcp';
import type { ChassisAction } from './rmcp/commands';

const ACTIONS: Readonly<Record<PowerAction, ChassisAction>> = {
  on: 'up',
  off: 'down',
  cycle: 'cycle',
  reset: 'hardReset',
  soft: 'softShutdown',
};

export class NativeIpmiDriver implements PowerDriver {
  readonly client: IpmiClient;

  constructor(options: IpmiClientOptions = {}) {
    this.client = new IpmiClient(options);
  }

  async getPowerState(t: BmcTarget): Promise<PowerState> {
    const s = await this.client.getChassisStatus(t);
    return s.powerOn ? 'power on' : 'power off';
  }

  setPower(t: BmcTarget, action: PowerAction): Promise<void> {
    return this.client.chassisControl(t, ACTIONS[action]);
  }

  async getBootDevice(t: BmcTarget): Promise<BootDeviceSetting> {
    return toBootDeviceSetting(await this.client.getBootDevice(t));
  }

  setBootDevice(t: BmcTarget, dev: BootDevice, opts: { persistent: boolean; uefi?: boolean }): Promise<void> {
    return this.client.setBootDevice(t, dev, opts);
  }

  injectNmi(t: BmcTarget): Promise<void> {
    return this.client.chassisControl(t, 'diagInterrupt');
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
