import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeRootDeviceHints,
  encodeRootDeviceHints,
  matchRootDevice,
  parseRootDeviceHints,
  rootDeviceProblems,
  type DiskFacts,
  type RootDeviceHint,
} from './root-device-hints';

const GiB = 2 ** 30;
const DISKS: DiskFacts[] = [
  {
    name: '/dev/sda',
    size: 10 * GiB,
    model: 'QEMU HARDDISK ',
    vendor: 'ATA',
    serial: 'SER-A1',
    wwn: '0x5000c500a1',
    rotational: true,
    by_path: null,
  },
  {
    name: '/dev/sdb',
    size: 20 * GiB,
    model: 'Fast SSD',
    vendor: 'ATA',
    serial: 'SER-B2',
    wwn: null,
    rotational: false,
    by_path: '/dev/disk/by-path/pci-0000:00:05.0',
  },
  { name: '/dev/vda', size: 20 * GiB + 512, model: null, vendor: '0x1af4', serial: null, wwn: null, rotational: true, by_path: null },
];

function hints(v: Record<string, unknown>): RootDeviceHint[] {
  const r = parseRootDeviceHints(v);
  assert.ok('hints' in r, JSON.stringify(r));
  return r.hints;
}

function pick(v: Record<string, unknown>): string | undefined {
  return matchRootDevice(DISKS, hints(v))?.name;
}

// [hints, the disk they pick]: operators and defaults as Ironic's device_hints.
export const MATCH_CASES: [Record<string, unknown>, string | undefined][] = [
  [{ serial: 'SER-B2' }, '/dev/sdb'], // no operator: s==, case-insensitive
  [{ serial: 's== ser-a1' }, '/dev/sda'],
  [{ serial: 's!= ser-a1' }, '/dev/sdb'], // a disk without serial never matches a serial hint
  [{ model: '<in> ssd' }, '/dev/sdb'],
  [{ model: 'qemu harddisk' }, '/dev/sda'], // trailing blanks of the disk's model are trimmed
  [{ serial: '<or> nope <or> ser-b2' }, '/dev/sdb'],
  [{ size: 20 }, '/dev/sdb'], // == 20 GiB exactly: /dev/vda is 512 bytes over
  [{ size: '>= 15' }, '/dev/sdb'],
  [{ size: '> 20' }, '/dev/vda'],
  [{ size: '< 20' }, '/dev/sda'],
  [{ size: '<= 10' }, '/dev/sda'],
  [{ size: '!= 10' }, '/dev/sdb'],
  [{ size: '= 11' }, '/dev/sdb'], // specs_matcher's `=` is "at least"
  [{ size: '<or> 5 <or> 10' }, '/dev/sda'],
  [{ rotational: false }, '/dev/sdb'],
  [{ rotational: 'yes', size: '> 15' }, '/dev/vda'], // every hint must hold
  [{ name: 'vda' }, '/dev/vda'], // a bare name is a /dev name
  [{ name: '/dev/sdb' }, '/dev/sdb'],
  [{ wwn: '0x5000C500A1' }, '/dev/sda'],
  [{ by_path: '<in> pci-0000:00:05.0' }, '/dev/sdb'],
  [{ vendor: 's> ata' }, undefined], // '0x1af4' < 'ata'
  [{ vendor: 's< b' }, '/dev/sda'],
  [{ serial: 'ser-b2', size: 10 }, undefined], // no disk has both
  [{ serial: 'missing' }, undefined],
];

test('root-device hints pick the first disk every hint holds for (Ironic operators)', () => {
  for (const [h, want] of MATCH_CASES) assert.equal(pick(h), want, JSON.stringify(h));
});

test('no hints: no choice (the ramdisk keeps its default)', () => {
  assert.deepEqual(hints({}), []);
  assert.deepEqual(parseRootDeviceHints(undefined), { hints: [] });
  assert.equal(matchRootDevice(DISKS, []), undefined);
});

export const BAD_HINTS: [unknown, RegExp][] = [
  [{ serail: 'x' }, /unknown hint "serail"; known hints are name, size, serial/],
  [{ size: 'big' }, /size: "big" must compare with whole numbers of GiB/],
  [{ size: 0 }, /whole numbers of GiB above 0/],
  [{ size: '>= 1.5' }, /whole numbers/],
  [{ size: true }, /size must be a size in GiB/],
  [{ serial: 42 }, /serial must be a string/],
  [{ rotational: 'maybe' }, /rotational must be true or false/],
  [{ model: '' }, /model is empty/],
  [{ model: 's== ' }, /has an operator without a value/],
  [{ serial: '>= abc' }, /operator >= does not apply to a string/],
  [{ size: '<in> 10' }, /operator <in> does not apply to a number/],
  [{ serial: 's== a s== b' }, /only <or> takes more than one/],
  ['sda', /must be an object of hints/],
  [{ serial: 'é' }, /printable ASCII/],
];

test('bad hints say what to fix', () => {
  for (const [v, re] of BAD_HINTS) {
    const r = parseRootDeviceHints(v);
    assert.ok('problems' in r, `${JSON.stringify(v)} must be refused`);
    assert.match(r.problems.join(' '), re, JSON.stringify(v));
    assert.match(rootDeviceProblems({ root_device: v }).join(' '), re);
  }
});

test('on the command line: key:op:values, percent-encoded, no characters a boot file cannot hold', () => {
  assert.equal(
    encodeRootDeviceHints(hints({ model: '<in> Fast SSD', size: '>= 10', rotational: 0, name: 'sda' })),
    'model:in:fast%20ssd,size:ge:10,rotational:bool:false,name:seq:/dev/sda',
  );
  assert.equal(encodeRootDeviceHints(hints({ serial: '<or> a,b <or> c:d' })), 'serial:or:a%2cb:c%3ad');
  assert.equal(encodeRootDeviceHints([]), '');
});

test('described as the operator wrote them', () => {
  assert.equal(
    describeRootDeviceHints(hints({ serial: 'ABC', size: '<or> 1 <or> 2', rotational: true })),
    'serial s== abc, size <or> 1 <or> 2, rotational true',
  );
});
