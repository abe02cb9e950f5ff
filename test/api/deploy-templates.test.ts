// Deploy templates (1.55) through the real `baremetal` CLI and the REST API: create, list,
// show --fields, set, delete; bad input with "nothing changed"; a deploy applying the
// template its instance traits name.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, faultOf, startStack, type TestStack } from '../support/stack';
import { baremetal, baremetalJson } from '../support/baremetal';
import { waitFor } from '../support/procs';

const V = { 'X-OpenStack-Ironic-API-Version': 'latest' };
const ERASE = [{ interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 90 }];

describe('deploy templates', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => stack.stop());

  async function snapshot(): Promise<unknown> {
    return (await api(stack, 'GET', '/v1/deploy_templates?detail=True', undefined, V)).body;
  }

  test('baremetal deploy template create / list / show --fields / set / delete', async () => {
    const c = await baremetal(stack.url, [
      'deploy',
      'template',
      'create',
      'CUSTOM_ERASE',
      '--steps',
      JSON.stringify(ERASE),
      '--extra',
      'team=infra',
    ]);
    assert.equal(c.code, 0, c.stderr);
    const list = await baremetalJson(stack.url, ['deploy', 'template', 'list']);
    assert.deepEqual(
      list.map((t: { Name: string }) => t.Name),
      ['CUSTOM_ERASE'],
    );
    const show = await baremetalJson(stack.url, ['deploy', 'template', 'show', 'CUSTOM_ERASE']);
    assert.deepEqual(show.steps, ERASE);
    assert.deepEqual(show.extra, { team: 'infra' });
    const fields = await baremetalJson(stack.url, ['deploy', 'template', 'show', 'CUSTOM_ERASE', '--fields', 'uuid', 'name']);
    assert.deepEqual(Object.keys(fields).sort(), ['name', 'uuid']);
    const steps = [{ ...ERASE[0], priority: 95 }];
    const set = await baremetal(stack.url, [
      'deploy',
      'template',
      'set',
      'CUSTOM_ERASE',
      '--name',
      'CUSTOM_WIPE',
      '--steps',
      JSON.stringify(steps),
    ]);
    assert.equal(set.code, 0, set.stderr);
    const after = (await api(stack, 'GET', `/v1/deploy_templates/${show.uuid}`, undefined, V)).body;
    assert.equal(after.name, 'CUSTOM_WIPE');
    assert.equal(after.steps[0].priority, 95);
    assert.notEqual(after.updated_at, null);
    const del = await baremetal(stack.url, ['deploy', 'template', 'delete', 'CUSTOM_WIPE']);
    assert.equal(del.code, 0, del.stderr);
    assert.equal((await api(stack, 'GET', `/v1/deploy_templates/${show.uuid}`, undefined, V)).status, 404);
  });

  test('a duplicate name is 409 (create and rename); below 1.55 is 406', async () => {
    const a = await api(stack, 'POST', '/v1/deploy_templates', { name: 'CUSTOM_A', steps: ERASE }, V);
    assert.equal(a.status, 201, a.text);
    assert.match(a.headers.get('location') ?? '', new RegExp(`/v1/deploy_templates/${a.body.uuid}$`));
    const b = await api(stack, 'POST', '/v1/deploy_templates', { name: 'CUSTOM_B', steps: ERASE }, V);
    assert.equal(b.status, 201, b.text);
    const before = await snapshot();
    const dup = await api(stack, 'POST', '/v1/deploy_templates', { name: 'CUSTOM_A', steps: ERASE }, V);
    assert.equal(dup.status, 409);
    assert.match(faultOf(dup.body), /A deploy template with name CUSTOM_A already exists/);
    const ren = await api(stack, 'PATCH', '/v1/deploy_templates/CUSTOM_B', [{ op: 'replace', path: '/name', value: 'CUSTOM_A' }], V);
    assert.equal(ren.status, 409);
    assert.deepEqual(await snapshot(), before);
    const old = await api(stack, 'GET', '/v1/deploy_templates', undefined, { 'X-OpenStack-Ironic-API-Version': '1.54' });
    assert.equal(old.status, 406);
    assert.match(faultOf(old.body), /Deploy templates requires API version 1\.55/);
  });

  const bad: { name: string; body: unknown; message: RegExp }[] = [
    {
      name: 'name not a trait',
      body: { name: 'erase', steps: ERASE },
      message: /Invalid deploy template name: Invalid trait 'erase': use CUSTOM_/,
    },
    { name: 'name missing', body: { steps: ERASE }, message: /'name' is a required property/ },
    { name: 'steps missing', body: { name: 'CUSTOM_X' }, message: /'steps' is a required property/ },
    { name: 'steps empty', body: { name: 'CUSTOM_X', steps: [] }, message: /one or more deploy steps/ },
    {
      name: 'unknown step',
      body: { name: 'CUSTOM_X', steps: [{ interface: 'deploy', step: 'format_disk', args: {}, priority: 10 }] },
      message: /there is no deploy step deploy\.format_disk\. Known deploy steps: deploy\.deploy, deploy\.erase_devices_metadata/,
    },
    {
      name: 'unknown interface',
      body: { name: 'CUSTOM_X', steps: [{ interface: 'bios', step: 'apply_configuration', args: {}, priority: 10 }] },
      message: /no deploy step bios\.apply_configuration/,
    },
    {
      name: 'priority missing',
      body: { name: 'CUSTOM_X', steps: [{ interface: 'deploy', step: 'erase_devices_metadata', args: {} }] },
      message: /needs interface, step, args and priority/,
    },
    {
      name: 'negative priority',
      body: { name: 'CUSTOM_X', steps: [{ ...ERASE[0], priority: -1 }] },
      message: /priority of deploy\.erase_devices_metadata must be an integer of 0 or more/,
    },
    {
      name: 'unknown argument',
      body: { name: 'CUSTOM_X', steps: [{ ...ERASE[0], args: { passes: 3 } }] },
      message: /deploy\.erase_devices_metadata does not take passes; it takes no arguments/,
    },
    {
      name: 'mandatory step disabled',
      body: { name: 'CUSTOM_X', steps: [{ interface: 'deploy', step: 'write_image', args: {}, priority: 0 }] },
      message: /deploy\.write_image cannot be disabled/,
    },
    {
      name: 'duplicate step',
      body: { name: 'CUSTOM_X', steps: [ERASE[0], ERASE[0]] },
      message: /duplicate deploy step deploy\.erase_devices_metadata/,
    },
    { name: 'unknown key', body: { name: 'CUSTOM_X', steps: ERASE, description: 'x' }, message: /'description' was unexpected/ },
    { name: 'extra not an object', body: { name: 'CUSTOM_X', steps: ERASE, extra: [] }, message: /Invalid extra: expected a JSON object/ },
    { name: 'bad uuid', body: { name: 'CUSTOM_X', steps: ERASE, uuid: 'nope' }, message: /Expected UUID for uuid/ },
  ];
  for (const c of bad) {
    test(`bad create: ${c.name} -> 400, nothing changed`, async () => {
      const before = await snapshot();
      const r = await api(stack, 'POST', '/v1/deploy_templates', c.body, V);
      assert.equal(r.status, 400, r.text);
      assert.match(faultOf(r.body), c.message);
      assert.deepEqual(await snapshot(), before);
    });
  }

  test('bad PATCH (a step the table lacks, a path not patchable) is 400 and changes nothing; unknown template 404', async () => {
    const before = await snapshot();
    const p1 = await api(stack, 'PATCH', '/v1/deploy_templates/CUSTOM_A', [{ op: 'replace', path: '/steps/0/step', value: 'nope' }], V);
    assert.equal(p1.status, 400, p1.text);
    assert.match(faultOf(p1.body), /no deploy step deploy\.nope/);
    const p2 = await api(stack, 'PATCH', '/v1/deploy_templates/CUSTOM_A', [{ op: 'replace', path: '/uuid', value: 'x' }], V);
    assert.equal(p2.status, 400);
    assert.deepEqual(await snapshot(), before);
    const missing = await api(stack, 'GET', '/v1/deploy_templates/CUSTOM_NOPE', undefined, V);
    assert.equal(missing.status, 404);
    assert.match(faultOf(missing.body), /Deploy template CUSTOM_NOPE could not be found/);
  });

  test("a deploy applies the templates its instance_info.traits name: the template's step is resolved against the node's deploy interface", async () => {
    const n = await api(stack, 'POST', '/v1/nodes', { driver: 'fake-hardware', name: 'tpl-0', instance_info: { traits: ['CUSTOM_A'] } }, V);
    assert.equal(n.status, 201, n.text);
    for (const target of ['manage', 'provide']) {
      assert.equal((await api(stack, 'PUT', `/v1/nodes/${n.body.uuid}/states/provision`, { target }, V)).status, 202);
      await waitFor(
        async () => (await api(stack, 'GET', `/v1/nodes/${n.body.uuid}`, undefined, V)).body.target_provision_state === null,
        60_000,
        target,
      );
    }
    // fake's deploy interface has only deploy.deploy: CUSTOM_A's erase step cannot run there.
    const r = await api(stack, 'PUT', `/v1/nodes/${n.body.uuid}/states/provision`, { target: 'active' }, V);
    assert.equal(r.status, 400, r.text);
    assert.match(faultOf(r.body), /deploy interface fake has no deploy step deploy\.erase_devices_metadata/);
    assert.equal((await api(stack, 'GET', `/v1/nodes/${n.body.uuid}`, undefined, V)).body.provision_state, 'available');
    // Without the trait the same node deploys.
    const p = await api(stack, 'PATCH', `/v1/nodes/${n.body.uuid}`, [{ op: 'remove', path: '/instance_info/traits' }], V);
    assert.equal(p.status, 200, p.text);
    assert.equal((await api(stack, 'PUT', `/v1/nodes/${n.body.uuid}/states/provision`, { target: 'active' }, V)).status, 202);
    const done = await waitFor(
      async () => {
        const x = (await api(stack, 'GET', `/v1/nodes/${n.body.uuid}`, undefined, V)).body;
        return x.target_provision_state === null ? x : undefined;
      },
      60_000,
      'deploy',
    );
    assert.equal(done.provision_state, 'active', done.last_error);
  });
});
