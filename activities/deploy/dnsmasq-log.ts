// Reads a dnsmasq log (--log-facility=FILE with --log-dhcp) for what one NIC did after a
// moment: its DHCP requests and answers, then what dnsmasq's TFTP server sent to the
// address it was given. Lines look like
//   Dec  3 13:50:19 dnsmasq-dhcp[23620]: 455023450 DHCPACK(br0) 10.209.15.10 52:54:00:d1:0f:0a
//   Dec  3 13:50:32 dnsmasq-tftp[23620]: sent /srv/tftp/pxelinux.0 to 10.209.15.10
// Timestamps have no year and are the log writer's local time: a line is dated in the
// year of `since` (or the year before, when that puts it in the future).

export interface NicBootTrail {
  /** DHCPDISCOVER / DHCPREQUEST / DHCPINFORM lines from this MAC. */
  dhcpRequests: number;
  /** The address of the last DHCPACK to this MAC, if any. */
  ackedAddress: string | null;
  /** Files dnsmasq's TFTP sent to that address (paths as logged). */
  tftpSent: string[];
  /** TFTP errors for that address ("file ... not found", "failed sending"). */
  tftpErrors: string[];
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LINE = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) dnsmasq-(dhcp|tftp)\[\d+\]: (.*)$/;

function lineTime(m: RegExpExecArray, since: Date): number {
  const month = MONTHS.indexOf(m[1]);
  const at = (year: number) => new Date(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).getTime();
  const t = at(since.getFullYear());
  return t > since.getTime() + 86_400_000 ? at(since.getFullYear() - 1) : t;
}

/** What the log says about `mac` from `since` (whole seconds: the log has no finer time). */
export function nicBootTrail(log: string, mac: string, since: Date): NicBootTrail {
  const want = mac.toLowerCase();
  const from = Math.floor(since.getTime() / 1000) * 1000;
  const trail: NicBootTrail = { dhcpRequests: 0, ackedAddress: null, tftpSent: [], tftpErrors: [] };
  for (const line of log.split('\n')) {
    const m = LINE.exec(line.trimEnd());
    if (!m || lineTime(m, since) < from) continue;
    const text = m[7];
    if (m[6] === 'dhcp') {
      const d = /\bDHCP(DISCOVER|REQUEST|INFORM|ACK)\([^)]*\) (?:(\d+\.\d+\.\d+\.\d+) )?([0-9a-f:]{17})\b/i.exec(text);
      if (!d || d[3].toLowerCase() !== want) continue;
      if (d[1].toUpperCase() === 'ACK') trail.ackedAddress = d[2] ?? trail.ackedAddress;
      else trail.dhcpRequests++;
      continue;
    }
    if (!trail.ackedAddress) continue;
    const sent = /^sent (\S+) to (\S+)$/.exec(text);
    if (sent && sent[2] === trail.ackedAddress) trail.tftpSent.push(sent[1]);
    else if (text.includes(trail.ackedAddress) && /not found|failed|error/i.test(text)) trail.tftpErrors.push(text);
  }
  return trail;
}
