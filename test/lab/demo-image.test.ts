import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeDemoImage } from './demo-image';

test('a demo image has a boot signature, its marker line and deterministic contents', () => {
  const a = makeDemoImage({ sizeBytes: 65536, marker: 'demo-os 1.0' });
  assert.equal(a.length, 65536);
  assert.equal(a[510], 0x55);
  assert.equal(a[511], 0xaa);
  assert.ok(a.toString('latin1').includes('\nironflow-demo-os: demo-os 1.0\n'));
  assert.deepEqual(makeDemoImage({ sizeBytes: 65536, marker: 'demo-os 1.0' }), a);
  assert.notDeepEqual(makeDemoImage({ sizeBytes: 65536, marker: 'demo-os 2.0' }), a);
  assert.throws(() => makeDemoImage({ sizeBytes: 1000, marker: 'x' }));
  assert.throws(() => makeDemoImage({ sizeBytes: 65536, marker: 'bad\nmarker' }));
});
