import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labNodeMac, labNodeName, pxelinuxConfigName } from './node-identity';

test('lab nodes are named lab-<index>', () => {
  assert.equal(labNodeName(0), 'lab-0');
  assert.equal(labNodeName(41), 'lab-41');
});

test('MACs are deterministic, locally administered QEMU-style and distinct', () => {
  assert.equal(labNodeMac(0), '52:54:00:ab:00:00');
  assert.equal(labNodeMac(258), '52:54:00:ab:01:02');
  const macs = new Set(Array.from({ length: 1000 }, (_, i) => labNodeMac(i)));
  assert.equal(macs.size, 1000);
  assert.throws(() => labNodeMac(70000), RangeError);
});

test('the pxelinux per-MAC config name uses dashes and the 01- ARP type prefix', () => {
  assert.equal(pxelinuxConfigName('52:54:00:AB:00:0F'), '01-52-54-00-ab-00-0f');
});
