// Version discovery and microversion negotiation, as ironicclient and openstacksdk use them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal } from '../support/baremetal';

describe('versions', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => stack.stop());

  test('GET / lists v1 with min and max, and carries no version headers', async () => {
    const r = await api(stack, 'GET', '/', undefined, { 'X-OpenStack-Ironic-API-Version': '' });
    assert.equal(r.status, 200);
    assert.equal(r.body.default_version.min_version, '1.1');
    assert.equal(r.body.default_version.version, '1.95');
    assert.equal(r.body.versions[0].links[0].href, `${stack.url}/v1/`);
    assert.equal(r.headers.get('x-openstack-ironic-api-maximum-version'), null);
  });

  test('GET /v1 and /v1/ without a header answer at 1.1 with min/max headers', async () => {
    for (const path of ['/v1', '/v1/']) {
      const r = await fetch(`${stack.url}${path}`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-openstack-ironic-api-minimum-version'), '1.1');
      assert.equal(r.headers.get('x-openstack-ironic-api-maximum-version'), '1.95');
      assert.equal(r.headers.get('x-openstack-ironic-api-version'), '1.1');
      const body = (await r.json()) as Record<string, unknown>;
      for (const k of ['id', 'links', 'media_types', 'nodes', 'ports', 'drivers', 'version']) assert.ok(k in body, k);
    }
  });

  test('latest means 1.95; any version in range is echoed', async () => {
    assert.equal(
      (await api(stack, 'GET', '/v1/nodes', undefined, { 'X-OpenStack-Ironic-API-Version': 'latest' })).headers.get(
        'x-openstack-ironic-api-version',
      ),
      '1.95',
    );
    assert.equal(
      (await api(stack, 'GET', '/v1/nodes', undefined, { 'X-OpenStack-Ironic-API-Version': '1.34' })).headers.get(
        'x-openstack-ironic-api-version',
      ),
      '1.34',
    );
  });

  test('406 for out-of-range versions, with min/max headers on the error', async () => {
    const r = await api(stack, 'GET', '/v1/nodes', undefined, { 'X-OpenStack-Ironic-API-Version': '2.1' });
    assert.equal(r.status, 406);
    assert.match(faultOf(r.body), /Mutually exclusive versions requested\. Version 2\.1/);
    assert.equal(r.headers.get('x-openstack-ironic-api-maximum-version'), '1.95');
  });

  test('OpenStack-API-Version: baremetal 1.x is honoured over the legacy header and answered in both', async () => {
    const r = await api(stack, 'GET', '/v1/nodes', undefined, { 'OpenStack-API-Version': 'compute 2.1, baremetal 1.89' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-openstack-ironic-api-version'), '1.89', 'the standard header wins over the legacy 1.78');
    assert.equal(r.headers.get('openstack-api-version'), 'baremetal 1.89');
    const bad = await api(stack, 'GET', '/v1/nodes', undefined, { 'OpenStack-API-Version': 'baremetal 1.200' });
    assert.equal(bad.status, 406);
    assert.match(faultOf(bad.body), /Version 1\.200 was requested .* \[1\.1, 1\.95\]/);
    const other = await api(stack, 'GET', '/v1/nodes', undefined, { 'OpenStack-API-Version': 'compute 2.90' });
    assert.equal(other.headers.get('x-openstack-ironic-api-version'), '1.78', "another service's entry leaves the legacy header in charge");
  });

  test('non-GET on /v1 is 405', async () => {
    assert.equal((await api(stack, 'POST', '/v1', {})).status, 405);
  });

  test('baremetal with an explicit version above the max fails with the supported range', async () => {
    // The client caps the server's maximum at its own (1.78) when it reports the range.
    const r = await baremetal(stack.url, ['--os-baremetal-api-version', '1.99', 'node', 'list']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Supported version range is 1\.1 to 1\.78/);
  });

  test('the OpenAPI document describes the node routes', async () => {
    const r = await api(stack, 'GET', '/docs/openapi.json');
    assert.equal(r.status, 200);
    assert.ok(r.body.paths['/v1/nodes'].post);
    assert.ok(r.body.paths['/v1/nodes/{ident}/states/provision'].put);
    assert.equal((await fetch(`${stack.url}/docs`)).status, 200);
  });
});
