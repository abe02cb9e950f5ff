// A RedfishBackend for simulated nodes: the machine is a few fields in memory.
// Power changes land at once (the emulator adds the BMC's delay in front); a test
// can press the power button behind the BMC's back (setPower) and read what the
// BMC was asked (resets, boot override, media).
import type { BootTarget, RedfishBackend, ResetType } from './backend';

export interface MemoryBackendState {
  power: 'On' | 'Off';
  boot: { target: BootTarget; enabled: 'Disabled' | 'Once' | 'Continuous'; mode?: 'Legacy' | 'UEFI' };
  media: { Cd?: string; Usb?: string };
  /** Every reset the BMC passed on, in order. */
  resets: ResetType[];
  /** Boots: the override target each power-on saw. */
  boots: BootTarget[];
}

export class MemoryBackend implements RedfishBackend {
  readonly state: MemoryBackendState = { power: 'Off', boot: { target: 'None', enabled: 'Disabled' }, media: {}, resets: [], boots: [] };

  constructor(initial: Partial<Pick<MemoryBackendState, 'power'>> = {}) {
    if (initial.power) this.state.power = initial.power;
  }

  /** The power button, behind the BMC's back (an out-of-band change). */
  setPower(p: 'On' | 'Off'): void {
    this.state.power = p;
  }

  async powerState(): Promise<'On' | 'Off'> {
    return this.state.power;
  }

  async reset(type: ResetType): Promise<void> {
    this.state.resets.push(type);
    switch (type) {
      case 'On':
        if (this.state.power === 'Off') this.powerOn();
        break;
      case 'ForceOff':
      case 'GracefulShutdown':
        this.state.power = 'Off';
        break;
      case 'GracefulRestart':
      case 'ForceRestart':
        if (this.state.power === 'On') this.powerOn();
        break;
      case 'PowerCycle':
        this.powerOn();
        break;
      case 'Nmi':
        break;
    }
  }

  private powerOn(): void {
    this.state.power = 'On';
    this.state.boots.push(this.state.boot.enabled === 'Disabled' ? 'None' : this.state.boot.target);
  }

  async setBootOverride(o: MemoryBackendState['boot']): Promise<void> {
    this.state.boot = { ...o };
  }

  async insertMedia(slot: 'Cd' | 'Usb', imageUrl: string): Promise<void> {
    this.state.media[slot] = imageUrl;
  }

  async ejectMedia(slot: 'Cd' | 'Usb'): Promise<void> {
    delete this.state.media[slot];
  }

  async close(): Promise<void> {}
}
