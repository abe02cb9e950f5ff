// The reference client for cross-checks: plain `ipmitool -I lanplus -C 3`
// against a test BMC, password through IPMI_PASSWORD (-E).
import { runCommand } from '#activities/shared/command-runner';
import type { Bmc } from '../support/bmc-sim';

export async function ipmitool(bmc: Bmc, ...args: string[]): Promise<string> {
  return (await ipmitoolFull(bmc, ...args)).stdout;
}

/** stdout and stderr: some ipmitool commands report failures on stderr and still exit 0. */
export async function ipmitoolFull(bmc: Bmc, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return runCommand({
    file: 'ipmitool',
    args: ['-I', 'lanplus', '-C', '3', '-H', bmc.address, '-p', String(bmc.port), '-U', bmc.username, '-E', ...args],
    secretEnv: { IPMI_PASSWORD: bmc.password },
    timeoutMs: 20000,
  });
}

export function targetOf(bmc: Bmc, overrides: { password?: string; cipherSuite?: 3 | 17 } = {}) {
  return {
    address: bmc.address,
    port: bmc.port,
    username: bmc.username,
    password: overrides.password ?? bmc.password,
    cipherSuite: overrides.cipherSuite,
  };
}
