// The ipmi_sim LAN configuration of one lab BMC (pure: returns the text).
// RMCP+ on 127.0.0.1:<port> (UDP), one admin user, and a chassis-control
// hook that drives the node's simulated server.

export interface LanConfParams {
  /** BMC name, e.g. "lab-0". */
  name: string;
  /** Index of the node, used for a stable GUID. */
  index: number;
  port: number;
  username: string;
  password: string;
  /** Absolute path of test/lab/chassis.sh. */
  chassisScript: string;
  /** Absolute path of the node's directory (handed to the hook). */
  nodeDir: string;
  /** Serial-over-LAN target, e.g. `tcp:127.0.0.1:5555` (a VM's serial socket); none if absent. */
  sol?: string;
  /**
   * TCP port on 127.0.0.1 where the BMC waits for a VM's system interface (QEMU's ipmi-bmc-extern:
   * `serial 15 … codec VM`), so the guest's ipmitool reaches this BMC through KCS; none if absent.
   */
  systemInterfacePort?: number;
}

const SAFE = /^[A-Za-z0-9._-]+$/;
const SAFE_PATH = /^[A-Za-z0-9._/+-]+$/;

export function renderLanConf(p: LanConfParams): string {
  if (!SAFE.test(p.name) || !SAFE.test(p.username)) throw new Error('BMC name and user: letters, digits, . _ - only');
  if (!SAFE.test(p.password) || p.password.length > 20) throw new Error('BMC password: up to 20 letters, digits, . _ -');
  if (!SAFE_PATH.test(p.chassisScript) || !SAFE_PATH.test(p.nodeDir)) throw new Error('paths must not contain spaces or quotes');
  if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Error(`bad port ${p.port}`);
  if (p.sol !== undefined && !/^tcp:127\.0\.0\.1:\d{1,5}$/.test(p.sol)) throw new Error(`bad SOL target ${p.sol}`);
  const si = p.systemInterfacePort;
  if (si !== undefined && (!Number.isInteger(si) || si < 1 || si > 65535)) throw new Error(`bad system interface port ${si}`);
  const guid = `1f0a1ab0${p.index.toString(16).padStart(24, '0')}`;
  return [
    `name "${p.name}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${p.port}`,
    '    priv_limit admin',
    '    allowed_auths_callback none md2 md5 straight',
    '    allowed_auths_user none md2 md5 straight',
    '    allowed_auths_operator none md2 md5 straight',
    '    allowed_auths_admin none md2 md5 straight',
    `    guid ${guid}`,
    '  endlan',
    ...(p.sol ? [`  sol "${p.sol}" 115200`] : []),
    ...(si !== undefined ? [`  serial 15 127.0.0.1 ${si} codec VM`] : []),
    `  chassis_control "${p.chassisScript} ${p.nodeDir} 0x20"`,
    `  user 2 true "${p.username}" "${p.password}" admin 10 none md2 md5 straight`,
    '',
  ].join('\n');
}
