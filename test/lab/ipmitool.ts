// ipmitool against a lab BMC (tests only): lanplus, cipher suite 3, the
// password through the environment (-E), never argv.
import { runCommand, type CommandResult } from '#activities/shared/command-runner';
import type { LabBmc } from './lab';

export function ipmitool(bmc: Pick<LabBmc, 'address' | 'port' | 'username' | 'password'>, ...args: string[]): Promise<CommandResult> {
  return runCommand({
    file: 'ipmitool',
    args: ['-I', 'lanplus', '-C', '3', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.username, '-E', '-N', '1', '-R', '2', ...args],
    secretEnv: { IPMI_PASSWORD: bmc.password },
    timeoutMs: 20000,
  });
}
