import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortgroupCreate, parsePortgroupList, rejectNewerPortgroupPatch } from './portgroup-request';

const NODE = '11111111-2222-3333-4444-555555555555';

describe('port group create request', () => {
  test('defaults, the MAC in lower case, bonding modes by name or number', () => {
    const r = parsePortgroupCreate({ node_uuid: NODE, address: '52:54:00:AA:BB:CC' }, 26);
    assert.deepEqual(r.columns, {
      name: null,
      address: '52:54:00:aa:bb:cc',
      nodeUuid: NODE,
      standalonePortsSupported: true,
      mode: 'active-backup',
      properties: {},
      extra: {},
    });
    assert.equal(parsePortgroupCreate({ node_uuid: NODE, mode: '4' }, 26).columns.mode, '4');
    assert.equal(
      parsePortgroupCreate({ node_uuid: NODE, standalone_ports_supported: 'false' }, 26).columns.standalonePortsSupported,
      false,
    );
  });
  test('refusals say what to fix', () => {
    assert.throws(() => parsePortgroupCreate({ node_uuid: NODE, mode: '7' }, 26), /Invalid mode '7'/);
    assert.throws(() => parsePortgroupCreate({ node_uuid: NODE, mode: 'balance-rr' }, 25), /"mode" on create requires API version 1\.26/);
    assert.throws(() => parsePortgroupCreate({ address: '52:54:00:aa:bb:cc' }, 26), /'node_uuid' is a required property/);
    assert.throws(() => parsePortgroupCreate({ node_uuid: NODE, ports: [] }, 26), /'ports' was unexpected/);
    assert.throws(() => parsePortgroupCreate({ node_uuid: NODE, name: 'a b' }, 26), /invalid name 'a b'/);
    assert.throws(() => rejectNewerPortgroupPatch([{ op: 'remove', path: '/properties/x' }], 25), /"properties" in a PATCH requires/);
  });
});

describe('port group list query', () => {
  test('node from the path, carried filters, refusals', () => {
    const q = parsePortgroupList(
      { address: '52:54:00:AA:BB:CC', fields: 'uuid,mode' },
      { maxLimit: 50, detailPath: false, apiMinor: 26, nodeIdent: 'n1' },
    );
    assert.equal(q.node, 'n1');
    assert.equal(q.address, '52:54:00:aa:bb:cc');
    assert.deepEqual(q.carry, { address: '52:54:00:AA:BB:CC', fields: 'uuid,mode' });
    assert.equal(q.limit, 50);
    assert.throws(
      () => parsePortgroupList({ fields: 'mode' }, { maxLimit: 5, detailPath: false, apiMinor: 25 }),
      /requires API version 1\.26/,
    );
    assert.throws(() => parsePortgroupList({ fields: 'uuid' }, { maxLimit: 5, detailPath: true, apiMinor: 26 }), /detail=True and fields/);
    assert.throws(
      () => parsePortgroupList({ sort_key: 'extra' }, { maxLimit: 5, detailPath: false, apiMinor: 26 }),
      /invalid field for sorting/,
    );
  });
});
