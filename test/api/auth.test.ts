// Token auth: admin may change things, observer may only read, strangers get 401;
// history names the token; secrets never leave the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { loadApiConfig, parseTokens } from '../../apps/api/src/config';

const ADMIN = 'admin-token-0123456789abcdef';
const OBSERVER = 'observer-token-0123456789abcdef';

describe('token auth', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false, auth: { mode: 'token', tokens: parseTokens(`ops:admin:${ADMIN},audit:observer:${OBSERVER}`) } });
  });
  after(async () => stack.stop());

  test('no token or a wrong token is 401', async () => {
    const none = await api(stack, 'GET', '/v1/nodes');
    assert.equal(none.status, 401);
    assert.match(faultOf(none.body), /send a valid token in X-Auth-Token/);
    assert.equal((await api(stack, 'GET', '/v1/nodes', undefined, { 'X-Auth-Token': 'wrong-token-xxxxxxxxxxxx' })).status, 401);
  });

  test('admin creates (history names the token); observer reads but cannot change', async () => {
    const c = await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'a1', driver_info: { ipmi_password: 'Hunter2Secret' } }, { 'X-Auth-Token': ADMIN });
    assert.equal(c.status, 201);
    const h = await api(stack, 'GET', '/v1/nodes/a1/history?detail=True', undefined, { Authorization: `Bearer ${OBSERVER}` });
    assert.equal(h.status, 200);
    assert.equal(h.body.history[0].user, 'ops');
    const patch = await api(stack, 'PATCH', '/v1/nodes/a1', [{ op: 'add', path: '/extra/x', value: 1 }], { 'X-Auth-Token': OBSERVER });
    assert.equal(patch.status, 403);
    assert.match(faultOf(patch.body), /observer role, which can read but not change anything/);
    const show = await api(stack, 'GET', '/v1/nodes/a1', undefined, { 'X-Auth-Token': OBSERVER });
    assert.equal(show.body.driver_info.ipmi_password, '******');
    assert.doesNotMatch(show.text + stack.logs(), /Hunter2Secret/);
  });

  test('without tokens the API refuses to listen beyond loopback', () => {
    assert.throws(() => loadApiConfig({ IRONFLOW_API_HOST: '0.0.0.0', IRONFLOW_SECRET_KEY: 'a'.repeat(64), IRONFLOW_DATA_DIR: '/tmp' }), /Refusing to serve on 0\.0\.0\.0 without authentication/);
    assert.equal(loadApiConfig({ IRONFLOW_API_HOST: '0.0.0.0', IRONFLOW_API_TOKENS: `ops:admin:${ADMIN}`, IRONFLOW_SECRET_KEY: 'a'.repeat(64), IRONFLOW_DATA_DIR: '/tmp' }).auth.mode, 'token');
    assert.equal(loadApiConfig({ IRONFLOW_SECRET_KEY: 'a'.repeat(64), IRONFLOW_DATA_DIR: '/tmp' }).host, '127.0.0.1');
  });

  test('token configuration errors are explained', () => {
    assert.throws(() => parseTokens('ops:root:abcdefabcdefabcdef'), /role "root" of ops must be one of admin, member, observer/);
    assert.throws(() => parseTokens('ops:admin:short'), /shorter than 16/);
  });
});
