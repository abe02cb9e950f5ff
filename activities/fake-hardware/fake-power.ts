// Power and management `fake` (fake-hardware): no hardware, the node's database row is
// the machine. The "hardware" state lives in driver_internal_info, so the recorded
// power_state, its history and the power sync work as they do over a real BMC:
//
//   driver_internal_info.fake_power_state      'power on' | 'power off' (unset: the recorded power_state, else off)
//   driver_internal_info.fake_boot_device      pxe | disk | ... (unset: pxe, not persistent, as Ironic's fake answers)
//   driver_internal_info.fake_boot_persistent  boolean
//
// Every call is one database read or one compare-and-set write: instant.
import type { Database } from '#prisma/database';
import type { BootDevice, BootDeviceSetting, NodeHardware, PowerAction, PowerInterface, PowerState } from '../power/power-interface';

const POWER_STATES: readonly string[] = ['power on', 'power off'];
const RESULT: Readonly<Record<PowerAction, PowerState>> = {
  on: 'power on',
  cycle: 'power on',
  reset: 'power on',
  off: 'power off',
  soft: 'power off',
};

export function fakePower(db: Database): PowerInterface {
  async function row(n: NodeHardware) {
    const r = await db.node.findUnique({ where: { id: n.node.id }, select: { driverInternalInfo: true, powerState: true } });
    if (!r) throw new Error(`Node ${n.node.uuid} could not be found.`);
    return { text: r.driverInternalInfo, internal: JSON.parse(r.driverInternalInfo) as Record<string, unknown>, powerState: r.powerState };
  }

  /** Merges keys into driver_internal_info; compare-and-set on the whole text, so a concurrent writer is not overwritten. */
  async function merge(n: NodeHardware, keys: Record<string, unknown>): Promise<void> {
    for (;;) {
      const before = await row(n);
      const after = JSON.stringify({ ...before.internal, ...keys });
      const done = await db.node.updateMany({
        where: { id: n.node.id, driverInternalInfo: before.text },
        data: { driverInternalInfo: after },
      });
      if (done.count === 1) return;
    }
  }

  return {
    async getPowerState(n) {
      const { internal, powerState } = await row(n);
      const stored = internal.fake_power_state;
      if (typeof stored === 'string' && POWER_STATES.includes(stored)) return stored as PowerState;
      return powerState === 'power on' ? 'power on' : 'power off';
    },
    async setPower(n, action) {
      await merge(n, { fake_power_state: RESULT[action] });
    },
    async getBootDevice(n): Promise<BootDeviceSetting> {
      const { internal } = await row(n);
      if (typeof internal.fake_boot_device !== 'string') return { bootDevice: 'pxe', persistent: false };
      return { bootDevice: internal.fake_boot_device as BootDevice, persistent: internal.fake_boot_persistent === true };
    },
    async setBootDevice(n, device, opts) {
      await merge(n, { fake_boot_device: device, fake_boot_persistent: opts.persistent });
    },
    async injectNmi() {}, // as Ironic's fake management: nothing to interrupt
    async close() {},
  };
}
