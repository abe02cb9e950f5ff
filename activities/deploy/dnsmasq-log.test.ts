import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainSilence } from './boot-evidence-activities';
import { nicBootTrail } from './dnsmasq-log';

// A real excerpt of the VM lab's dnsmasq log (options lines dropped), plus a TFTP miss.
const LOG = `Dec  3 13:50:11 dnsmasq[23620]: started, version 2.90 DNS disabled
Dec  3 13:50:16 dnsmasq-dhcp[23620]: 455023450 vendor class: PXEClient:Arch:00000:UNDI:002001
Dec  3 13:50:16 dnsmasq-dhcp[23620]: 455023450 DHCPDISCOVER(br0) 52:54:00:d1:0f:0a 
Dec  3 13:50:16 dnsmasq-dhcp[23620]: 455023450 tags: ironflow, known, ipxe, vm0, br0
Dec  3 13:50:19 dnsmasq-dhcp[23620]: 455023450 DHCPREQUEST(br0) 10.209.15.10 52:54:00:d1:0f:0a 
Dec  3 13:50:19 dnsmasq-dhcp[23620]: 455023450 DHCPACK(br0) 10.209.15.10 52:54:00:d1:0f:0a 
Dec  3 13:50:32 dnsmasq-tftp[23620]: sent /srv/tftp/pxelinux.0 to 10.209.15.10
Dec  3 13:50:33 dnsmasq-tftp[23620]: file /srv/tftp/pxelinux.cfg/01-52-54-00-d1-0f-0a not found for 10.209.15.10
Dec  3 13:50:34 dnsmasq-tftp[23620]: sent /srv/tftp/pxelinux.cfg/default to 10.209.15.11
Dec  4 09:00:00 dnsmasq-dhcp[23620]: 1 DHCPDISCOVER(br0) 52:54:00:d1:0f:0b 
`;

const at = (s: string) => new Date(`2026-12-03T${s}`); // local time, as the log

test('nicBootTrail: DHCP requests and the ACKed address of one MAC, then TFTP to that address, from a moment on', () => {
  const t = nicBootTrail(LOG, '52:54:00:D1:0F:0A', at('13:50:00'));
  assert.deepEqual(t, {
    dhcpRequests: 2,
    ackedAddress: '10.209.15.10',
    tftpSent: ['/srv/tftp/pxelinux.0'],
    tftpErrors: ['file /srv/tftp/pxelinux.cfg/01-52-54-00-d1-0f-0a not found for 10.209.15.10'],
  });
  // Lines before the boot do not count.
  assert.equal(nicBootTrail(LOG, '52:54:00:d1:0f:0a', at('13:50:20')).dhcpRequests, 0);
  assert.equal(nicBootTrail(LOG, '52:54:00:00:00:00', at('13:00:00')).dhcpRequests, 0);
});

test('explainSilence names the first step that never happened, from power on to the callback', () => {
  const base = { poweredOnAt: '2026-12-03T13:50:10.000Z', macs: ['52:54:00:d1:0f:0a'], callbacks: 0 };
  const trail = (since: string) => ({ '52:54:00:d1:0f:0a': nicBootTrail(LOG, '52:54:00:d1:0f:0a', at(since)) });
  assert.match(
    explainSilence({ ...base, trails: null }, undefined),
    /DHCP: unknown \(no DHCP log configured\).*no DHCP log to tell them apart/,
  );
  assert.match(
    explainSilence({ ...base, trails: trail('13:55:00') }, '/l'),
    /no request seen from 52:54:00:d1:0f:0a in \/l.*never happened: a DHCP request/,
  );
  assert.match(
    explainSilence({ ...base, trails: trail('13:50:00') }, '/l'),
    /1 file\(s\) sent.*not found.*never happened: the boot config fetch over TFTP/,
  );
  assert.match(explainSilence({ ...base, poweredOnAt: null, trails: null }, undefined), /never happened: power on/);
  assert.match(explainSilence({ ...base, callbacks: 3, trails: null }, undefined), /callbacks: 3 received.*the expected callback/);
});
