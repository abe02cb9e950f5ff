// What the VM tests share: whether this machine can run a VM lab, and the deploy ramdisk they boot.
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand } from '#activities/shared/command-runner';

const LAB_NEEDS = ['/usr/bin/qemu-system-x86_64', '/usr/sbin/dnsmasq', '/usr/bin/ipmi_sim'];

/**
 * Why a VM-lab test cannot run here (a `skip` reason), or false: IRONFLOW_VM_TESTS=0, not root
 * (namespaces, taps), or a missing program or firmware file (`also`, e.g. OVMF or pxelinux).
 */
export function vmLabSkipReason(also: readonly string[] = []): string | false {
  if (process.env.IRONFLOW_VM_TESTS === '0') return 'IRONFLOW_VM_TESTS=0';
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, taps)';
  for (const f of [...LAB_NEEDS, ...also]) if (!fs.existsSync(f)) return `needs ${f}`;
  return false;
}

/** Builds the deploy ramdisk (ramdisk/build.sh: cached, rebuilt when its inputs change); its kernel and initramfs. */
export async function buildDeployRamdisk(): Promise<{ kernel: string; initrd: string }> {
  const build = await runCommand({ file: 'bash', args: [path.join(repoRoot(), 'ramdisk', 'build.sh')], timeoutMs: 15 * 60000 });
  const kernel = /^kernel: (.*)$/m.exec(build.stdout)?.[1];
  const initrd = /^initramfs: (.*)$/m.exec(build.stdout)?.[1];
  if (!kernel || !initrd) throw new Error(`ramdisk/build.sh printed no kernel and initramfs: ${build.stdout}`);
  return { kernel, initrd };
}
