import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeCreate } from './node-request';

describe('node create request', () => {
  test('a uuid normalised if given, and the validated columns', () => {
    const r = parseNodeCreate({ driver: 'ipmi', uuid: 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE', name: 'n1', properties: { cpus: 4 } });
    assert.equal(r.uuid, 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    assert.equal(r.columns.name, 'n1');
    assert.deepEqual(r.columns.properties, { cpus: 4 });
    assert.equal(parseNodeCreate({ driver: 'ipmi' }).uuid, undefined);
  });
  test('refuses, in order: not an object, unknown keys, a bad uuid, bad fields', () => {
    assert.throws(() => parseNodeCreate([1]), /Schema error for node: the request body must be a JSON object\./);
    assert.throws(() => parseNodeCreate({ uuid: 'x', bogus: 1 }), /Additional properties are not allowed \('bogus' was unexpected\)/);
    assert.throws(() => parseNodeCreate({ uuid: 'x' }), /Expected UUID for uuid: x/);
    assert.throws(() => parseNodeCreate({ name: 'n1' }), /'driver' is a required property \(a string\)/);
  });
});
