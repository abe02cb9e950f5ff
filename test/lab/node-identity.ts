// Names and MAC addresses of lab nodes: deterministic per index, so a lab
// brought up twice describes the same machines.

/** `lab-<index>`. */
export function labNodeName(index: number): string {
  return `lab-${index}`;
}

/** 52:54:00:ab:HH:LL, where HHLL is the index (0..65535). */
export function labNodeMac(index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 0xffff) throw new RangeError(`lab node index out of range: ${index}`);
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `52:54:00:ab:${hex(index >> 8)}:${hex(index & 0xff)}`;
}

/** The pxelinux per-MAC config name: `01-52-54-00-ab-00-01`. */
export function pxelinuxConfigName(mac: string): string {
  return `01-${mac.toLowerCase().replace(/:/g, '-')}`;
}
