import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bootFileProblem,
  deployBootFileProblem,
  imageSourceProblem,
  literalAddressRefusal,
  readBootFile,
  readImageUrl,
  urlHost,
} from './image-refs';
import { parseCidrList } from './image-networks';

describe('readImageUrl', () => {
  test('reads http(s) URLs with their host (brackets removed, numeric spellings normalised) and file URLs with their local-ness', () => {
    const h = readImageUrl('https://user:pw@[::1]:8443/a.qcow2?sig=1');
    assert.ok(!('fault' in h) && h.kind === 'http');
    assert.equal(h.host, '::1');
    const n = readImageUrl('http://0xa9fea9fe/latest');
    assert.ok(!('fault' in n) && n.kind === 'http' && n.host === '169.254.169.254');
    assert.deepEqual(
      [readImageUrl('file:///srv/a.img'), readImageUrl('file://localhost/srv/a.img'), readImageUrl('file://nfs/srv/a.img')].map(
        (r) => !('fault' in r) && r.kind === 'file' && [r.host, r.rawPath],
      ),
      [
        ['', '/srv/a.img'],
        ['', 'localhost/srv/a.img'],
        ['nfs', 'nfs/srv/a.img'],
      ],
    );
  });
  test('names the fault: empty, too long (only when a limit is given), unsafe characters, not a URL, scheme', () => {
    const fault = (raw: unknown, maxLength?: number) => {
      const r = readImageUrl(raw, { maxLength });
      return 'fault' in r ? r : r.kind;
    };
    assert.deepEqual(fault(''), { fault: 'empty' });
    assert.deepEqual(fault('   '), { fault: 'empty' });
    assert.deepEqual(fault(undefined), { fault: 'empty' });
    assert.deepEqual(fault(`http://x/${'a'.repeat(20)}`, 10), { fault: 'too-long', max: 10 });
    assert.equal(fault(`http://x/${'a'.repeat(5000)}`), 'http');
    assert.deepEqual(fault('http://x/a b'), { fault: 'unsafe-characters' });
    assert.deepEqual(fault('http://x/a\u0000'), { fault: 'unsafe-characters' });
    assert.deepEqual(fault('/etc/shadow'), { fault: 'not-a-url' });
    assert.deepEqual(fault('ftp://x/a'), { fault: 'unsupported-scheme', scheme: 'ftp:' });
  });
  test('literalAddressRefusal checks literal addresses only', () => {
    const http = (raw: string) => {
      const r = readImageUrl(raw);
      assert.ok(!('fault' in r) && r.kind === 'http');
      return r;
    };
    const loopback = parseCidrList('127.0.0.0/8');
    assert.match(literalAddressRefusal(http('http://10.0.0.1/a'), loopback)!, /10\.0\.0\.1 is a private/);
    assert.equal(literalAddressRefusal(http('http://127.0.0.1/a'), loopback), undefined);
    assert.equal(literalAddressRefusal(http('http://images.example.org/a'), []), undefined);
    assert.equal(urlHost(new URL('http://[fe80::1]:80/')), 'fe80::1');
  });
});

describe('readBootFile', () => {
  test('gives the local path, percent-decoded for file URLs', () => {
    assert.deepEqual(readBootFile('/srv/images/vmlinuz'), { path: '/srv/images/vmlinuz' });
    assert.deepEqual(readBootFile('file:///srv/images/a%20b'), { path: '/srv/images/a b' });
    assert.deepEqual(readBootFile('file://localhost/srv/k'), { path: '/srv/k' });
  });
  test('names the fault', () => {
    const cases: [unknown, string][] = [
      ['', 'empty'],
      [null, 'empty'],
      ['/k'.repeat(3000), 'too-long'],
      ['/srv/k\u0007', 'control-characters'],
      ['http://[x/k', 'not-a-url'],
      ['tftp://h/k', 'unsupported-scheme'],
      ['file://h/k', 'remote-file'],
      ['k', 'not-absolute'],
      ['/srv/%2e%2e/k', 'dot-segment'],
    ];
    for (const [raw, fault] of cases) assert.equal((readBootFile(raw) as { fault?: string }).fault, fault, String(raw));
  });
});

describe('imageSourceProblem', () => {
  const loopback = parseCidrList('127.0.0.0/8,::1/128');
  test('accepts public hosts, host names, allowed literals and plain file URLs', () => {
    for (const ok of [
      'https://images.example.org/a.qcow2',
      'http://8.8.8.8/x',
      'http://127.0.0.1:8080/a',
      'http://[::1]/a',
      'file:///srv/images/a.img',
      'file://localhost/srv/a.img',
    ]) {
      assert.equal(imageSourceProblem(ok, loopback), undefined, ok);
    }
  });
  test('refuses literal non-public addresses in every spelling the URL parser accepts, naming the setting', () => {
    for (const bad of [
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.5/a',
      'http://0.0.0.0/a',
      'http://[::]/a',
      'http://[fe80::1]/a',
      'http://[fd00::1]/a',
      'http://[::ffff:10.0.0.1]/a',
      'http://[::ffff:169.254.169.254]/a',
      'http://0xa9fea9fe/a',
      'http://2852039166/a',
      'http://169.254.43518/a',
      'http://012.0.0.1/a',
      'https://192.168.0.1:8443/a',
    ]) {
      assert.match(imageSourceProblem(bad, loopback) ?? 'accepted', /IRONFLOW_IMAGE_ALLOWED_NETWORKS=/, bad);
    }
    assert.match(imageSourceProblem('http://127.0.0.1/a', [])!, /loopback/);
  });
  test('refuses other schemes, junk, remote file hosts and dot segments', () => {
    assert.match(imageSourceProblem('ftp://x/a', [])!, /scheme ftp: is not supported/);
    assert.match(imageSourceProblem('gopher://x/a', [])!, /not supported/);
    assert.match(imageSourceProblem('/etc/shadow', [])!, /is not a URL/);
    assert.match(imageSourceProblem('', [])!, /not set/);
    assert.match(imageSourceProblem(42, [])!, /not set/);
    assert.match(imageSourceProblem('http://x/a b', [])!, /whitespace/);
    assert.match(imageSourceProblem('file://evil/etc/shadow', [])!, /only local files/);
    assert.match(imageSourceProblem('file:///srv/images/..%2f..%2fetc/shadow', [])!, /\.\. segment/);
    assert.match(imageSourceProblem('file:///srv/images/%2e%2e/secret', [])!, /\.\. segment/);
    assert.match(imageSourceProblem('file:///srv/images/../etc/shadow', [])!, /\.\. segment/);
    assert.match(imageSourceProblem(`http://x/${'a'.repeat(5000)}`, [])!, /longer than 4096/);
  });
});

describe('bootFileProblem', () => {
  test('accepts absolute paths and file URLs', () => {
    for (const ok of ['/srv/images/vmlinuz', 'file:///srv/images/initrd.img', 'file://localhost/srv/k'])
      assert.equal(bootFileProblem('deploy_kernel', ok), undefined, ok);
  });
  test('refuses relative paths, dot segments, other schemes and hosts, saying what to give', () => {
    const cases: [unknown, RegExp][] = [
      ['vmlinuz', /not an absolute path/],
      ['../../etc/shadow', /not an absolute path/],
      ['/srv/images/../../etc/shadow', /\.\. segment/],
      ['file:///srv/images/%2e%2e/%2e%2e/etc/shadow', /\.\. segment/],
      ['file:///srv/images/..%2F..%2Fetc%2Fshadow', /\.\. segment/],
      ['http://10.0.0.1/k', /http:\/\/ boot files are not supported/],
      ['file://other/srv/k', /only local files/],
      [7, /non-empty string/],
      ['', /non-empty string/],
      ['/srv/k\u0000', /control characters/],
      ['/srv/./k', /\. or \.\. segment/],
    ];
    for (const [v, msg] of cases) {
      const p = bootFileProblem('driver_info.deploy_kernel', v);
      assert.match(p ?? 'accepted', msg, String(v));
      if (typeof v === 'string' && v.startsWith('/srv/images/..')) assert.match(p!, /IRONFLOW_IMAGE_DIR/);
    }
  });
});

describe('deployBootFileProblem', () => {
  test('accepts http(s) URLs with a host besides what bootFileProblem accepts', () => {
    for (const ok of [
      'http://10.0.0.1:6180/images/ironic-python-agent.kernel',
      'https://boot.example/ipa.initramfs',
      '/srv/images/k',
      'file:///srv/k',
    ])
      assert.equal(deployBootFileProblem('driver_info.deploy_kernel', ok), undefined, ok);
  });
  test('refuses URLs without a host, with spaces, other schemes and what bootFileProblem refuses', () => {
    const cases: [unknown, RegExp][] = [
      ['http://', /not a usable URL/],
      ['https:// x/k', /whitespace/],
      [`http://x/${'a'.repeat(5000)}`, /longer than 4096/],
      ['ftp://10.0.0.1/k', /ftp:\/\/ boot files are not supported: give an http:\/\/ or https:\/\/ URL/],
      ['vmlinuz', /not an absolute path/],
    ];
    for (const [v, msg] of cases) assert.match(deployBootFileProblem('driver_info.deploy_kernel', v) ?? 'accepted', msg, String(v));
  });
});
