// Bad input to port groups, ports' groups, VIFs and chassis: a 4xx with a message that
// says what to fix, and nothing changed in the database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { dbSnapshot } from '../support/snapshot';

interface Ctx {
  /** fake-hardware node with a port group (one member port) holding VIF `vif-taken`, and a free PXE port */
  node: string;
  /** a node with no ports at all */
  bare: string;
  group: string;
  /** a port group of `bare` (no members) */
  foreignGroup: string;
  port: string;
  chassis: string;
}
interface Case {
  name: string;
  method: string;
  path: string | ((c: Ctx) => string);
  body?: Record<string, unknown> | unknown[] | ((c: Ctx) => unknown);
  version?: string;
  status: number;
  message: RegExp;
}

const UNKNOWN = '0b4f2d6e-1111-4c2a-9e8d-123456789abc';
const MODE_VERSION = '1.25';

const CASES: Case[] = [
  {
    name: 'port group: MAC with dashes',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node, address: '52-54-00-aa-bb-01' }),
    status: 400,
    message: /Expected valid MAC address for address: 52-54-00-aa-bb-01\. Use six colon-separated hex pairs/,
  },
  {
    name: 'port group: duplicate MAC (any case)',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node, address: '52:54:00:DD:00:01' }),
    status: 409,
    message: /A portgroup with MAC address 52:54:00:dd:00:01 already exists/,
  },
  {
    name: 'port group: duplicate name',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.bare, name: 'bond-bad' }),
    status: 409,
    message: /A portgroup with name bond-bad already exists/,
  },
  {
    name: 'port group: unknown node',
    method: 'POST',
    path: '/v1/portgroups',
    body: { node_uuid: UNKNOWN },
    status: 400,
    message: new RegExp(`Node ${UNKNOWN} could not be found`),
  },
  {
    name: 'port group: node given by name',
    method: 'POST',
    path: '/v1/portgroups',
    body: { node_uuid: 'bad-node' },
    status: 400,
    message: /Expected UUID for node_uuid: bad-node/,
  },
  {
    name: 'port group: no node',
    method: 'POST',
    path: '/v1/portgroups',
    body: { name: 'x' },
    status: 400,
    message: /'node_uuid' is a required property/,
  },
  {
    name: 'port group: bad bonding mode',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node, mode: 'bond-fast' }),
    status: 400,
    message: /Invalid mode 'bond-fast' for a port group: use a Linux bonding mode, one of balance-rr, active-backup/,
  },
  {
    name: 'port group: mode below 1.26',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node, mode: '802.3ad' }),
    version: MODE_VERSION,
    status: 406,
    message: /Port group field "mode" on create requires API version 1\.26 or later; this request was made at 1\.25/,
  },
  {
    name: 'port group: internal_info is read-only',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node, internal_info: { tenant_vif_port_id: 'x' } }),
    status: 400,
    message: /'internal_info' was unexpected/,
  },
  {
    name: 'port group: name shaped like a UUID',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node, name: UNKNOWN }),
    status: 400,
    message: /invalid name .* for a port group: .*not shaped like a UUID/,
  },
  {
    name: 'port group: properties not an object',
    method: 'PATCH',
    path: (c) => `/v1/portgroups/${c.group}`,
    body: [{ op: 'replace', path: '/properties', value: 'miimon=100' }],
    status: 400,
    message: /Invalid properties: expected a JSON object, got string/,
  },
  {
    name: 'port group: PATCH of internal_info',
    method: 'PATCH',
    path: (c) => `/v1/portgroups/${c.group}`,
    body: [{ op: 'add', path: '/internal_info/tenant_vif_port_id', value: 'x' }],
    status: 400,
    message: /Cannot patch \/internal_info\/tenant_vif_port_id\. Only the following can be updated: address, name/,
  },
  {
    name: 'port group: moving a group with ports to another node',
    method: 'PATCH',
    path: (c) => `/v1/portgroups/${c.group}`,
    body: (c) => [{ op: 'replace', path: '/node_uuid', value: c.bare }],
    status: 400,
    message: /portgroup .* contains ports \(1\); move or delete them first/,
  },
  {
    name: 'port group: no standalone ports while a member PXE-boots',
    method: 'PATCH',
    path: (c) => `/v1/portgroups/${c.group}`,
    body: [{ op: 'replace', path: '/standalone_ports_supported', value: false }],
    status: 409,
    message: /standalone_ports_supported cannot be false while member port\(s\) .* have pxe_enabled/,
  },
  {
    name: 'port group: delete while it has ports',
    method: 'DELETE',
    path: (c) => `/v1/portgroups/${c.group}`,
    status: 400,
    message: /Cannot complete the requested action because portgroup .* contains ports/,
  },
  {
    name: 'port group: unknown',
    method: 'GET',
    path: '/v1/portgroups/no-such-group',
    status: 404,
    message: /Portgroup no-such-group could not be found/,
  },
  {
    name: 'port group: before 1.23',
    method: 'POST',
    path: '/v1/portgroups',
    body: (c) => ({ node_uuid: c.node }),
    version: '1.22',
    status: 406,
    message: /Port groups requires API version 1\.23 or later/,
  },
  {
    name: 'port group list: sort by extra',
    method: 'GET',
    path: '/v1/portgroups?sort_key=extra',
    status: 400,
    message: /sort_key value extra is an invalid field for sorting\. Sortable: id, uuid, name/,
  },
  {
    name: 'port group list: unknown filter',
    method: 'GET',
    path: '/v1/portgroups?mtu=9000',
    status: 400,
    message: /Unknown query parameter\(s\): mtu\. Filters: node, address/,
  },
  {
    name: 'port: unknown port group',
    method: 'POST',
    path: '/v1/ports',
    body: (c) => ({ address: '52:54:00:dd:0f:01', node_uuid: c.node, portgroup_uuid: UNKNOWN }),
    status: 400,
    message: new RegExp(`Portgroup ${UNKNOWN} could not be found`),
  },
  {
    name: "port: another node's port group",
    method: 'PATCH',
    path: (c) => `/v1/ports/${c.port}`,
    body: (c) => [{ op: 'add', path: '/portgroup_uuid', value: c.foreignGroup }],
    status: 400,
    message: /is on another node than .*: a port can only join a port group of its own node/,
  },
  {
    name: 'port: portgroup_uuid below 1.24',
    method: 'PATCH',
    path: (c) => `/v1/ports/${c.port}`,
    body: (c) => [{ op: 'add', path: '/portgroup_uuid', value: c.group }],
    version: '1.23',
    status: 406,
    message: /Port field "portgroup_uuid" in a PATCH requires API version 1\.24/,
  },
  {
    name: 'VIF: node without free ports',
    method: 'POST',
    path: (c) => `/v1/nodes/${c.bare}/vifs`,
    body: { id: 'vif-new' },
    status: 400,
    message: /Unable to attach VIF vif-new, not enough free physical ports\. Node has 0 port\(s\) and 1 port group\(s\)/,
  },
  {
    name: 'VIF: attached already',
    method: 'POST',
    path: (c) => `/v1/nodes/${c.node}/vifs`,
    body: { id: 'vif-taken' },
    status: 409,
    message: /Unable to attach VIF because VIF vif-taken is already attached to Ironic portgroup/,
  },
  {
    name: 'VIF: no id',
    method: 'POST',
    path: (c) => `/v1/nodes/${c.node}/vifs`,
    body: { port_uuid: UNKNOWN },
    status: 400,
    message: /Schema error for vif: 'id' is a required property/,
  },
  {
    name: 'VIF: id with a space',
    method: 'POST',
    path: (c) => `/v1/nodes/${c.node}/vifs`,
    body: { id: 'my vif' },
    status: 400,
    message: /Expected a UUID or name for the VIF id: "my vif"/,
  },
  {
    name: 'VIF: a port of another node',
    method: 'POST',
    path: (c) => `/v1/nodes/${c.bare}/vifs`,
    body: (c) => ({ id: 'vif-new', port_uuid: c.port }),
    status: 400,
    message: /Unable to attach VIF vif-new: port .* is not a port of this node/,
  },
  {
    name: 'VIF: port_uuid below 1.67',
    method: 'POST',
    path: (c) => `/v1/nodes/${c.node}/vifs`,
    body: (c) => ({ id: 'vif-new', port_uuid: c.port }),
    version: '1.66',
    status: 406,
    message: /VIF "port_uuid" requires API version 1\.67/,
  },
  {
    name: 'VIF: detach of one not attached',
    method: 'DELETE',
    path: (c) => `/v1/nodes/${c.node}/vifs/vif-unknown`,
    status: 400,
    message: /Unable to detach VIF vif-unknown from node .* because it is not attached to it/,
  },
  {
    name: 'VIF: before 1.28',
    method: 'GET',
    path: (c) => `/v1/nodes/${c.node}/vifs`,
    version: '1.27',
    status: 406,
    message: /VIFs requires API version 1\.28 or later/,
  },
  {
    name: 'chassis: description too long',
    method: 'POST',
    path: '/v1/chassis',
    body: { description: 'x'.repeat(256) },
    status: 400,
    message: /Invalid description: 256 characters is longer than the maximum of 255/,
  },
  {
    name: 'chassis: unknown field',
    method: 'POST',
    path: '/v1/chassis',
    body: { name: 'rack-1' },
    status: 400,
    message: /Schema error for chassis: Additional properties are not allowed \('name' was unexpected\)/,
  },
  {
    name: 'chassis: not a UUID',
    method: 'GET',
    path: '/v1/chassis/rack-1',
    status: 400,
    message: /Expected UUID for chassis_uuid: rack-1/,
  },
  {
    name: 'chassis: unknown',
    method: 'PATCH',
    path: `/v1/chassis/${UNKNOWN}`,
    body: [{ op: 'add', path: '/description', value: 'd' }],
    status: 404,
    message: new RegExp(`Chassis ${UNKNOWN} could not be found`),
  },
  {
    name: 'chassis: PATCH of uuid',
    method: 'PATCH',
    path: (c) => `/v1/chassis/${c.chassis}`,
    body: [{ op: 'replace', path: '/uuid', value: UNKNOWN }],
    status: 400,
    message: /Cannot patch \/uuid\. Only the following can be updated: description, extra/,
  },
  {
    name: 'chassis: delete while it holds nodes',
    method: 'DELETE',
    path: (c) => `/v1/chassis/${c.chassis}`,
    status: 400,
    message: /Cannot complete the requested action because chassis .* contains nodes \(1\)/,
  },
  {
    name: 'node: unknown chassis',
    method: 'POST',
    path: '/v1/nodes',
    body: { driver: 'fake-hardware', chassis_uuid: UNKNOWN },
    status: 400,
    message: new RegExp(`Chassis ${UNKNOWN} could not be found`),
  },
  {
    name: 'node: chassis_uuid not a UUID',
    method: 'PATCH',
    path: (c) => `/v1/nodes/${c.bare}`,
    body: [{ op: 'add', path: '/chassis_uuid', value: 'rack-1' }],
    status: 400,
    message: /Expected UUID for chassis_uuid: rack-1/,
  },
];

describe('bad input to port groups, VIFs and chassis', () => {
  let stack: TestStack;
  const ctx = {} as Ctx;
  const ok = async (method: string, path: string, body?: unknown) => {
    const r = await api(stack, method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  before(async () => {
    stack = await startStack({ worker: false });
    ctx.chassis = (await ok('POST', '/v1/chassis', { description: 'rack' })).uuid;
    ctx.node = (await ok('POST', '/v1/nodes', { driver: 'fake-hardware', name: 'bad-in', chassis_uuid: ctx.chassis })).uuid;
    ctx.bare = (await ok('POST', '/v1/nodes', { driver: 'fake-hardware', name: 'bad-bare' })).uuid;
    ctx.group = (await ok('POST', '/v1/portgroups', { node_uuid: ctx.node, name: 'bond-bad', address: '52:54:00:dd:00:01' })).uuid;
    ctx.foreignGroup = (await ok('POST', '/v1/portgroups', { node_uuid: ctx.bare })).uuid;
    await ok('POST', '/v1/ports', { address: '52:54:00:dd:00:02', node_uuid: ctx.node, portgroup_uuid: ctx.group });
    ctx.port = (await ok('POST', '/v1/ports', { address: '52:54:00:dd:00:03', node_uuid: ctx.node })).uuid;
    await ok('POST', `/v1/nodes/${ctx.node}/vifs`, { id: 'vif-taken' });
  });
  after(async () => stack.stop());

  for (const c of CASES) {
    test(c.name, async () => {
      const before = await dbSnapshot(stack.db);
      const path = typeof c.path === 'function' ? c.path(ctx) : c.path;
      const body = typeof c.body === 'function' ? (c.body as (x: Ctx) => unknown)(ctx) : c.body;
      const res = await api(stack, c.method, path, body, { 'X-OpenStack-Ironic-API-Version': c.version ?? '1.95' });
      assert.equal(res.status, c.status, res.text);
      assert.match(faultOf(res.body), c.message);
      assert.equal(await dbSnapshot(stack.db), before, 'the database changed');
    });
  }
});
