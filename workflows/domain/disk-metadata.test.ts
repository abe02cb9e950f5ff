import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metadataWindows, METADATA_TAIL_BYTES } from './disk-metadata';

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;

test('a disk: its first MiB and its last 66 MiB, where the config drive and the backup GPT are', () => {
  assert.equal(METADATA_TAIL_BYTES, 66 * MiB);
  assert.deepEqual(metadataWindows(1024 * MiB), [
    { offset: 0, size: MiB },
    { offset: 958 * MiB, size: 66 * MiB },
  ]);
});

test('a disk smaller than both windows is erased whole, in one window', () => {
  assert.deepEqual(metadataWindows(64 * MiB), [{ offset: 0, size: 64 * MiB }]);
  assert.deepEqual(metadataWindows(67 * MiB), [{ offset: 0, size: 67 * MiB }]);
  assert.deepEqual(metadataWindows(68 * MiB), [
    { offset: 0, size: MiB },
    { offset: 2 * MiB, size: 66 * MiB },
  ]);
  assert.deepEqual(metadataWindows(4096), [{ offset: 0, size: 4096 }]);
});

test('over 2 TiB, the 66 MiB below 2 TiB too (an MBR config drive ends there)', () => {
  const size = 4 * TiB;
  assert.deepEqual(metadataWindows(size), [
    { offset: 0, size: MiB },
    { offset: 2 * TiB - 66 * MiB, size: 66 * MiB },
    { offset: size - 66 * MiB, size: 66 * MiB },
  ]);
  assert.equal(metadataWindows(2 * TiB).length, 2, 'exactly 2 TiB: the tail window is that window');
});
