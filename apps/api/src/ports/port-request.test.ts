import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortCreate, parsePortListFilter, parsePortListPage } from './port-request';

const NODE = '11111111-2222-3333-4444-555555555555';

describe('port create request', () => {
  test('columns with the MAC in lower case; refusals in order', () => {
    const r = parsePortCreate({ address: '52:54:00:AA:BB:CC', node_uuid: NODE }, 78);
    assert.equal(r.uuid, undefined);
    assert.equal(r.columns.address, '52:54:00:aa:bb:cc');
    assert.equal(r.columns.pxeEnabled, true);
    assert.throws(() => parsePortCreate('x', 78), /Schema error for port: the request body must be a JSON object/);
    assert.throws(() => parsePortCreate({ address: 'x', mtu: 9000 }, 78), /'mtu' was unexpected/);
    assert.throws(() => parsePortCreate({ uuid: 7, address: 'x' }, 78), /Expected UUID for uuid: 7/);
    assert.throws(() => parsePortCreate({ node_uuid: NODE }, 78), /'address' is a required property/);
  });

  test('name (1.88) and node_ident (1.94): taken from their version, 406 below it', () => {
    const r = parsePortCreate({ address: '52:54:00:aa:bb:cc', node_ident: 'node-1', name: 'eth0-node-1' }, 94);
    assert.equal(r.columns.name, 'eth0-node-1');
    assert.equal(r.columns.nodeUuid, 'node-1');
    assert.throws(
      () => parsePortCreate({ address: '52:54:00:aa:bb:cc', node_uuid: NODE, name: 'p' }, 87),
      /"name" on create requires API version 1\.88/,
    );
    assert.throws(
      () => parsePortCreate({ address: '52:54:00:aa:bb:cc', node_ident: 'n' }, 93),
      /"node_ident" on create requires API version 1\.94/,
    );
    assert.throws(() => parsePortCreate({ address: '52:54:00:aa:bb:cc', node_uuid: NODE, name: NODE }, 95), /invalid name/);
    assert.throws(() => parsePortCreate({ address: '52:54:00:aa:bb:cc', node_uuid: NODE, node_ident: 'n' }, 95), /not both/);
  });
});

describe('port list query', () => {
  test('filter: the node from the path or the query, unknown parameters and node+portgroup refused', () => {
    assert.deepEqual(parsePortListFilter({ node: 'n1' }), { node: 'n1', nodeParam: 'n1', nodeUuidParam: undefined, portgroup: false });
    assert.equal(parsePortListFilter({ node_uuid: NODE }, 'from-path').node, 'from-path');
    assert.equal(parsePortListFilter({ portgroup: 'g' }).portgroup, true);
    assert.throws(() => parsePortListFilter({ vlan: '5' }), /Unknown query parameter\(s\): vlan\. Filters: node, node_uuid, address\./);
    assert.throws(
      () => parsePortListFilter({ node: 'n1', portgroup: 'g' }),
      (e: Error & { status?: number }) => e.status === 403 && /not both/.test(e.message),
    );
  });
  test('page: address, detail, fields, limit, sort and marker', () => {
    assert.deepEqual(
      parsePortListPage(
        { address: '52:54:00:AA:BB:CC', limit: '500', sort_key: 'address', sort_dir: 'desc', marker: NODE },
        { maxLimit: 100, detailPath: false },
      ),
      {
        address: '52:54:00:aa:bb:cc',
        addressText: '52:54:00:AA:BB:CC',
        detail: false,
        fields: undefined,
        limit: 100,
        sortKey: 'address',
        sortDir: 'desc',
        marker: NODE,
      },
    );
    assert.equal(parsePortListPage({ detail: 'True' }, { maxLimit: 10, detailPath: false }).detail, true);
    assert.throws(
      () => parsePortListPage({ address: 'nope' }, { maxLimit: 10, detailPath: false }),
      /Expected valid MAC address for address: nope/,
    );
    assert.throws(
      () => parsePortListPage({ fields: 'uuid' }, { maxLimit: 10, detailPath: true }),
      /Can not specify \?detail=True and fields/,
    );
    assert.throws(
      () => parsePortListPage({ sort_key: 'extra' }, { maxLimit: 10, detailPath: false }),
      /sort_key value extra is an invalid field for sorting\. Sortable: id, uuid, address/,
    );
  });
});
