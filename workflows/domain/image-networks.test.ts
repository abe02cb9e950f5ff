import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressClass,
  allowAdvice,
  cidrContains,
  DEFAULT_IMAGE_ALLOWED_NETWORKS,
  embeddedIpv4,
  imageAddressRefusal,
  parseCidrList,
  parseIp,
} from './image-networks';

const ip = (s: string) => {
  const a = parseIp(s);
  assert.ok(a, `${s} parses`);
  return a;
};

describe('address parsing', () => {
  test('IPv4, IPv6 (compressed, full, bracketed, zoned, with a dotted tail)', () => {
    assert.deepEqual(ip('10.1.2.3'), { version: 4, bytes: [10, 1, 2, 3] });
    assert.deepEqual(ip('::1').bytes, [...new Array(15).fill(0), 1]);
    assert.deepEqual(ip('[fe80::1%eth0]').bytes.slice(0, 2), [0xfe, 0x80]);
    assert.deepEqual(ip('2001:db8:0:0:0:0:0:1'), ip('2001:db8::1'));
    assert.deepEqual(ip('::ffff:127.0.0.1'), ip('::ffff:7f00:1'));
  });
  test('host names and malformed addresses are not addresses', () => {
    for (const s of ['localhost', 'example.org', '256.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::g', '::ffff:1.2.3.999', '']) {
      assert.equal(parseIp(s), undefined, s);
    }
  });
  test('embedded IPv4: mapped, compatible and NAT64; not :: or ::1', () => {
    assert.deepEqual(embeddedIpv4(ip('::ffff:169.254.169.254'))?.bytes, [169, 254, 169, 254]);
    assert.deepEqual(embeddedIpv4(ip('::10.0.0.1'))?.bytes, [10, 0, 0, 1]);
    assert.deepEqual(embeddedIpv4(ip('64:ff9b::192.168.0.1'))?.bytes, [192, 168, 0, 1]);
    assert.equal(embeddedIpv4(ip('::1')), undefined);
    assert.equal(embeddedIpv4(ip('::')), undefined);
  });
});

describe('address classes', () => {
  const refused: [string, RegExp][] = [
    ['10.0.0.5', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['::1', /loopback/],
    ['169.254.169.254', /link-local.*metadata/],
    ['fe80::1', /link-local/],
    ['febf::1', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['::ffff:10.0.0.1', /private.*IPv4-mapped/],
    ['::ffff:127.0.0.1', /loopback.*IPv4-mapped/],
    ['::ffff:169.254.169.254', /link-local.*IPv4-mapped/],
    ['::ffff:0.0.0.0', /unspecified/],
    ['64:ff9b::a9fe:a9fe', /link-local/],
    ['100.64.0.1', /carrier-grade/],
    ['224.0.0.1', /multicast/],
    ['ff02::1', /multicast/],
    ['255.255.255.255', /broadcast/],
  ];
  for (const [addr, what] of refused) {
    test(`${addr} is not public`, () => assert.match(addressClass(ip(addr)) ?? 'public', what));
  }
  test('public unicast addresses have no class', () => {
    for (const a of [
      '8.8.8.8',
      '172.32.0.1',
      '172.15.255.255',
      '169.253.0.1',
      '100.128.0.1',
      '2001:4860::8888',
      '::ffff:8.8.8.8',
      'fbff::1',
      'fe7f::1',
    ]) {
      assert.equal(addressClass(ip(a)), undefined, a);
    }
  });
});

describe('allowed networks', () => {
  test('parses CIDR lists; a bare address is one host; the default is loopback only', () => {
    const l = parseCidrList(' 127.0.0.0/8, 10.1.0.0/16 ,fd00::/8,192.168.3.4');
    assert.deepEqual(
      l.map((c) => c.prefix),
      [8, 16, 8, 32],
    );
    assert.deepEqual(parseCidrList(''), []);
    const d = parseCidrList(DEFAULT_IMAGE_ALLOWED_NETWORKS);
    assert.ok(d.some((c) => cidrContains(c, ip('127.0.0.1'))) && d.some((c) => cidrContains(c, ip('::1'))));
    assert.ok(!d.some((c) => cidrContains(c, ip('10.0.0.1'))));
  });
  test('refuses malformed entries, naming the entry and the setting', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'example.org/8', '10.0.0.0/8/1', '10.0.0.0/x', '10.0.0/8']) {
      assert.throws(
        () => parseCidrList(bad),
        new RegExp(`IRONFLOW_IMAGE_ALLOWED_NETWORKS: "${bad.replace(/[./]/g, '\\$&')}" is not a network`),
        bad,
      );
    }
  });
  test('prefix matching, including IPv4 networks covering IPv4-mapped addresses', () => {
    const [net] = parseCidrList('10.1.0.0/16');
    assert.ok(cidrContains(net, ip('10.1.255.1')));
    assert.ok(!cidrContains(net, ip('10.2.0.1')));
    assert.ok(cidrContains(net, ip('::ffff:10.1.0.7')));
    const [odd] = parseCidrList('172.16.0.0/12');
    assert.ok(cidrContains(odd, ip('172.31.0.1')) && !cidrContains(odd, ip('172.32.0.1')));
    const [v6] = parseCidrList('fd00:1::/32');
    assert.ok(cidrContains(v6, ip('fd00:1:ffff::1')) && !cidrContains(v6, ip('fd00:2::1')));
    assert.ok(!cidrContains(v6, ip('10.0.0.1')));
    const [all] = parseCidrList('0.0.0.0/0');
    assert.ok(cidrContains(all, ip('169.254.169.254')));
  });
  test('imageAddressRefusal: public always allowed, others only inside an allowed network', () => {
    const allowed = parseCidrList('127.0.0.0/8,10.1.0.0/16');
    assert.equal(imageAddressRefusal('8.8.8.8', []), undefined);
    assert.equal(imageAddressRefusal('127.0.0.1', allowed), undefined);
    assert.equal(imageAddressRefusal('::ffff:127.0.0.1', allowed), undefined);
    assert.equal(imageAddressRefusal('10.1.2.3', allowed), undefined);
    assert.match(imageAddressRefusal('10.2.0.1', allowed)!, /10\.2\.0\.1 is a private/);
    assert.match(imageAddressRefusal('::1', allowed)!, /loopback/);
    assert.match(imageAddressRefusal('169.254.169.254', allowed)!, /link-local/);
    assert.match(imageAddressRefusal('not-an-ip', allowed)!, /not an IP address/);
  });
  test('the advice names the setting with the host network as an example', () => {
    assert.match(allowAdvice('169.254.169.254'), /IRONFLOW_IMAGE_ALLOWED_NETWORKS=169\.254\.169\.254\/32/);
    assert.match(allowAdvice('[::ffff:a00:1]'), /=10\.0\.0\.1\/32/);
    assert.match(allowAdvice('[fe80::1]'), /=fe80::1\/128/);
  });
});
