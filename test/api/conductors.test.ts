// /v1/conductors from Temporal's task-queue pollers, with a real worker (and without one),
// through the real `baremetal` CLI and the REST API; the node's `conductor` field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { waitFor } from '../support/procs';

const LATEST = { 'X-OpenStack-Ironic-API-Version': 'latest' };

describe('conductors with a worker', () => {
  let stack: TestStack;
  let host: string;
  before(async () => {
    stack = await startStack();
    // The worker polls as soon as it runs; Temporal lists it from its first poll.
    host = await waitFor(
      async () => (await api(stack, 'GET', '/v1/conductors', undefined, LATEST)).body.conductors?.[0]?.hostname,
      30_000,
      'the worker to show as a conductor',
    );
  });
  after(async () => stack.stop());

  test('baremetal conductor list / show: the worker, alive, group "", serving every hardware type', async () => {
    const list = await baremetalJson(stack.url, ['conductor', 'list']);
    assert.deepEqual(list, [{ Hostname: host, 'Conductor Group': '', Alive: true }]);
    assert.match(host, /^\d+@/); // Temporal's poller identity: pid@host
    const show = await baremetalJson(stack.url, ['conductor', 'show', host]);
    assert.equal(show.hostname, host);
    assert.equal(show.alive, true);
    assert.equal(show.conductor_group, '');
    assert.deepEqual([...show.drivers].sort(), ['fake-hardware', 'ipmi', 'redfish']);
    assert.ok(Date.parse(show.updated_at) <= Date.now() + 1000);
  });

  test('detail, fields, paging links; a node in the served group names the worker as its conductor', async () => {
    const detail = (await api(stack, 'GET', '/v1/conductors?detail=True', undefined, LATEST)).body.conductors[0];
    assert.deepEqual(Object.keys(detail).sort(), ['alive', 'conductor_group', 'created_at', 'drivers', 'hostname', 'links', 'updated_at']);
    const fields = (await api(stack, 'GET', '/v1/conductors?fields=hostname,drivers', undefined, LATEST)).body.conductors[0];
    assert.deepEqual(Object.keys(fields).sort(), ['drivers', 'hostname', 'links']);
    const page = (await api(stack, 'GET', '/v1/conductors?limit=1', undefined, LATEST)).body;
    assert.equal(page.conductors.length, 1);
    assert.equal(page.next, undefined); // one worker: the last page
    const n = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'c-0' }, LATEST);
    assert.equal(n.status, 201, n.text);
    assert.equal(n.body.conductor, host);
    const other = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'c-1', conductor_group: 'rack9' }, LATEST);
    assert.equal(other.body.conductor, null, 'no worker serves rack9');
    const listed = (await api(stack, 'GET', '/v1/nodes?fields=name,conductor', undefined, LATEST)).body.nodes;
    assert.deepEqual(
      listed.map((x: { name: string; conductor: string | null }) => [x.name, x.conductor]),
      [
        ['c-0', host],
        ['c-1', null],
      ],
    );
    const mine = (await api(stack, 'GET', `/v1/nodes?conductor=${encodeURIComponent(host)}`, undefined, LATEST)).body.nodes;
    assert.deepEqual(
      mine.map((x: { name: string }) => x.name),
      ['c-0'],
    );
    assert.deepEqual((await api(stack, 'GET', '/v1/nodes?conductor=nosuch', undefined, LATEST)).body.nodes, []);
    const old = await api(stack, 'GET', `/v1/nodes/c-0`, undefined, { 'X-OpenStack-Ironic-API-Version': '1.48' });
    assert.equal(old.body.conductor, undefined);
  });

  const bad: { name: string; path: string; version?: string; status: number; message: RegExp }[] = [
    { name: 'below 1.49', path: '/v1/conductors', version: '1.48', status: 406, message: /Conductors requires API version 1\.49/ },
    { name: 'show below 1.49', path: '/v1/conductors/x', version: '1.48', status: 406, message: /requires API version 1\.49/ },
    { name: 'unknown field', path: '/v1/conductors?fields=hostname,power', status: 400, message: /Field\(s\) "power" are not valid/ },
    { name: 'detail and fields', path: '/v1/conductors?detail=True&fields=hostname', status: 400, message: /detail=True and fields/ },
    { name: 'bad sort key', path: '/v1/conductors?sort_key=drivers', status: 400, message: /sort_key value "drivers" is an invalid field/ },
    { name: 'bad sort dir', path: '/v1/conductors?sort_dir=up', status: 400, message: /Invalid sort direction: up/ },
    { name: 'bad limit', path: '/v1/conductors?limit=-1', status: 400, message: /limit/i },
    { name: 'unknown marker', path: '/v1/conductors?marker=nosuch', status: 404, message: /Conductor nosuch could not be found/ },
    { name: 'unknown argument', path: '/v1/conductors?group=x', status: 400, message: /Unknown argument\(s\) group/ },
    { name: 'unknown conductor', path: '/v1/conductors/nosuch', status: 404, message: /Conductor nosuch could not be found/ },
  ];
  for (const c of bad) {
    test(`bad request: ${c.name} -> ${c.status}`, async () => {
      const r = await api(stack, 'GET', c.path, undefined, { 'X-OpenStack-Ironic-API-Version': c.version ?? 'latest' });
      assert.equal(r.status, c.status, r.text);
      assert.match(faultOf(r.body), c.message);
    });
  }

  test('the CLI reports an unknown conductor', async () => {
    const r = await baremetal(stack.url, ['conductor', 'show', 'nosuch']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Conductor nosuch could not be found/);
  });
});

describe('conductors without a worker', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => stack.stop());

  test('no poller, no conductor: an empty list and a node without conductor', async () => {
    assert.deepEqual((await api(stack, 'GET', '/v1/conductors', undefined, LATEST)).body, { conductors: [] });
    const n = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware' }, LATEST);
    assert.equal(n.body.conductor, null);
  });
});
