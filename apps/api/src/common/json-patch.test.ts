import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyPatch, parsePatch } from './json-patch';

const ALLOWED = ['name', 'extra', 'properties', 'driver_info'];
const doc = () => ({ name: 'n1', extra: { a: 1, list: [1, 2] }, properties: {}, driver_info: { ipmi_address: 'x' }, uuid: 'u' });

describe('json patch', () => {
  test('add creates or overwrites nested members, like `baremetal node set`', () => {
    const out = applyPatch(
      doc(),
      parsePatch([
        { op: 'add', path: '/extra/a', value: 2 },
        { op: 'add', path: '/properties/cpus', value: 4 },
      ]),
      ALLOWED,
    );
    assert.deepEqual(out.extra, { a: 2, list: [1, 2] });
    assert.deepEqual(out.properties, { cpus: 4 });
  });
  test('the input document is not modified', () => {
    const d = doc();
    applyPatch(d, parsePatch([{ op: 'remove', path: '/extra/a' }]), ALLOWED);
    assert.equal(d.extra.a, 1);
  });
  test('remove on a top-level field resets it to null', () => {
    assert.equal(applyPatch(doc(), parsePatch([{ op: 'remove', path: '/name' }]), ALLOWED).name, null);
  });
  test('arrays: insert at index, append with -, replace, remove', () => {
    const out = applyPatch(
      doc(),
      parsePatch([
        { op: 'add', path: '/extra/list/0', value: 0 },
        { op: 'add', path: '/extra/list/-', value: 3 },
        { op: 'replace', path: '/extra/list/1', value: 9 },
        { op: 'remove', path: '/extra/list/2' },
      ]),
      ALLOWED,
    );
    assert.deepEqual((out.extra as { list: number[] }).list, [0, 9, 3]);
  });
  test('errors name what to fix', () => {
    assert.throws(
      () => applyPatch(doc(), parsePatch([{ op: 'replace', path: '/extra/zz', value: 1 }]), ALLOWED),
      /can't replace a non-existent object 'zz'/,
    );
    assert.throws(
      () => applyPatch(doc(), parsePatch([{ op: 'add', path: '/uuid', value: 1 }]), ALLOWED),
      /Cannot patch \/uuid\. Only the following can be updated: name, extra/,
    );
    assert.throws(
      () => applyPatch(doc(), parsePatch([{ op: 'add', path: '/extra/none/deeper', value: 1 }]), ALLOWED),
      /member 'none' not found/,
    );
    assert.throws(() => parsePatch([]), /the patch is empty/);
    assert.throws(() => parsePatch([{ op: 'test', path: '/name', value: 1 }]), /op "test" is not one of/);
    assert.throws(() => parsePatch([{ op: 'add', path: '/a.b', value: 1 }]), /does not match/);
  });
});
