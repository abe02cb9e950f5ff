import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWindows } from './write-windows';

test('checkWindows: whole sectors inside the LUN pass; a partial sector or a window past the end is refused', () => {
  const lun = 4096;
  checkWindows(
    [
      { offset: 0, bytes: new Uint8Array(512) },
      { offset: 3584, bytes: new Uint8Array(512) },
    ],
    lun,
  );
  assert.throws(() => checkWindows([{ offset: 100, bytes: new Uint8Array(512) }], lun), /window at byte 100 .* sectors/);
  assert.throws(() => checkWindows([{ offset: 0, bytes: new Uint8Array(100) }], lun), /not a whole number of 512-byte sectors/);
  assert.throws(() => checkWindows([{ offset: 0, bytes: new Uint8Array(0) }], lun), /not a whole number/);
  assert.throws(() => checkWindows([{ offset: 3584, bytes: new Uint8Array(1024) }], lun), /ends beyond the LUN's 4096 bytes/);
});
