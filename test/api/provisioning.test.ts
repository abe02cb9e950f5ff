// manage/provide as durable workflows: the node's lock, verification failures, and
// an operation accepted while no worker runs that completes once one starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/procs';
import { baremetal } from '../support/baremetal';

async function nodeState(stack: TestStack, id: string) {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

describe('provisioning workflows', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ worker: false });
  });
  after(async () => stack.stop());

  test('an operation accepted with no worker holds the lock, then completes when a worker starts', async () => {
    const n = (
      await api(stack, 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name: 'late',
        driver_info: { ipmi_address: '10.0.0.7', ipmi_password: 'pw' },
      })
    ).body;
    const r = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'manage' });
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('location'), `${stack.url}/v1/nodes/${n.uuid}/states`);
    const during = await nodeState(stack, n.uuid);
    assert.equal(during.provision_state, 'verifying');
    assert.equal(during.target_provision_state, 'manageable');
    assert.equal(during.reservation, 'test-conductor');
    const again = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'manage' });
    assert.equal(again.status, 409);
    assert.match(faultOf(again.body), /locked by host test-conductor/);
    await stack.startWorker();
    await waitFor(async () => (await nodeState(stack, n.uuid)).provision_state === 'manageable', 30_000, 'manageable');
    const done = await nodeState(stack, n.uuid);
    assert.equal(done.target_provision_state, null);
    assert.equal(done.reservation, null);
    const ops = await stack.db.operation.findMany({ where: { nodeUuid: n.uuid } });
    assert.equal(ops.length, 1, 'one operation row, recorded once by the API and once (no-op) by the workflow');
    assert.equal(ops[0].status, 'succeeded');
    assert.equal(ops[0].workflowId, `node-${n.uuid}`);
  });

  test('verification failure returns the node to enroll with last_error, and --wait reports it', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', name: 'no-bmc' })).body;
    const r = await baremetal(stack.url, ['node', 'manage', 'no-bmc', '--wait', '60']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unexpected stable state enroll/);
    const after = await nodeState(stack, n.uuid);
    assert.equal(after.provision_state, 'enroll');
    assert.equal(after.target_provision_state, null);
    assert.match(after.last_error, /Missing the following IPMI credentials in node's driver_info: \['ipmi_address'\]/);
    const hist = (await api(stack, 'GET', `/v1/nodes/${n.uuid}/history?detail=True`)).body.history;
    const err = hist.find((h: { severity: string }) => h.severity === 'ERROR');
    assert.ok(err, 'an ERROR history event');
    assert.equal(err.user, 'anonymous@loopback');
    assert.match(err.request_id, /^req-/);
  });

  test('provide, then available -> manage is synchronous; delete is refused while active states forbid it', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi', driver_info: { ipmi_address: 'bmc-1.example' } })).body;
    await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'manage' });
    await waitFor(async () => (await nodeState(stack, n.uuid)).provision_state === 'manageable', 30_000, 'manageable');
    // At once: the manage workflow may still be closing in Temporal; that must not be a 409.
    const provide = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'provide' });
    assert.equal(provide.status, 202, provide.text);
    await waitFor(async () => (await nodeState(stack, n.uuid)).provision_state === 'available', 30_000, 'available');
    const m = await api(stack, 'PUT', `/v1/nodes/${n.uuid}/states/provision`, { target: 'manage' });
    assert.equal(m.status, 202);
    assert.equal((await nodeState(stack, n.uuid)).provision_state, 'manageable', 'synchronous: already manageable when 202 arrives');
    const del = await api(stack, 'DELETE', `/v1/nodes/${n.uuid}`);
    assert.equal(del.status, 204);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${n.uuid}`)).status, 404);
    const hist = await stack.db.historyEvent.findMany({ where: { nodeUuid: n.uuid } });
    assert.ok(
      hist.some((h) => /deleted/.test(h.event)),
      'the history outlives the node',
    );
  });

  test('protected nodes cannot be deleted', async () => {
    const n = (await api(stack, 'POST', '/v1/nodes', { driver: 'ipmi' })).body;
    await api(stack, 'PATCH', `/v1/nodes/${n.uuid}`, [{ op: 'replace', path: '/protected', value: 'True' }]);
    const del = await api(stack, 'DELETE', `/v1/nodes/${n.uuid}`);
    assert.equal(del.status, 403);
    assert.match(faultOf(del.body), /protected/);
  });
});
