import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkTraitList, traitProblem } from './trait-name';

describe('trait names', () => {
  test('custom and standard names pass', () => {
    for (const t of [
      'CUSTOM_GPU',
      'CUSTOM_RAID_1',
      'HW_CPU_X86_AVX2',
      'STORAGE_DISK_SSD',
      'COMPUTE_TRUSTED_CERTS',
      'MISC_SHARES_VIA_AGGREGATE',
    ])
      assert.equal(traitProblem(t), undefined, t);
  });
  test('bad names say what a name looks like', () => {
    for (const t of ['custom_gpu', 'CUSTOM_', 'CUSTOM_gpu', 'GPU', 'HW-CPU', 'CUSTOM_A B', '', 'X'.repeat(256), 7]) {
      assert.match(traitProblem(t) ?? 'valid', /Invalid trait/, String(t));
    }
    assert.match(traitProblem('gpu') ?? '', /CUSTOM_ followed by upper-case letters/);
  });
  test('a list folds duplicates, sorts, and stops at 50', () => {
    assert.deepEqual(checkTraitList(['CUSTOM_B', 'CUSTOM_A', 'CUSTOM_B'], 'traits'), ['CUSTOM_A', 'CUSTOM_B']);
    const many = Array.from({ length: 51 }, (_v, i) => `CUSTOM_T${i}`);
    assert.throws(() => checkTraitList(many, 'traits'), /51 traits given; a node has at most 50/);
    assert.doesNotThrow(() => checkTraitList(many.slice(0, 50), 'traits'));
    assert.throws(() => checkTraitList('CUSTOM_A', 'traits'), /expected a list/);
  });
});
