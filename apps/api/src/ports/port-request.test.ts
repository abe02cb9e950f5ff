import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePortCreate, parsePortListFilter, parsePortListPage } from './port-request';

const NODE = '11111111-2222-3333-4444-555555555555';

describe('port create request', () => {
  test('columns with the MAC in lower case; refusals in order', () => {
    const r = parsePortCreate({ address: '52:54:00:AA:BB:CC', node_uuid: NODE });
    assert.equal(r.uuid, undefined);
    assert.equal(r.columns.address, '52:54:00:aa:bb:cc');
    assert.equal(r.columns.pxeEnabled, true);
    assert.throws(() => parsePortCreate('x'), /Schema error for port: the request body must be a JSON object/);
    assert.throws(() => parsePortCreate({ address: 'x', mtu: 9000 }), /'mtu' was unexpected/);
    assert.throws(() => parsePortCreate({ uuid: 7, address: 'x' }), /Expected UUID for uuid: 7/);
    assert.throws(() => parsePortCreate({ node_uuid: NODE }), /'address' is a required property/);
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
