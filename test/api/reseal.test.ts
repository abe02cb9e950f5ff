// Key rotation: `npm run reseal` (dist/scripts/reseal.js, run as its own process)
// moves every sealed value to the new primary key, seals secrets left in clear, is
// idempotent, and without the old key refuses and changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '#apps/shared/repo-root';
import { isSealed, keyId, openSecrets, openValue, sealedKeyId, sealValue } from '#prisma/sealed-json';
import { api, startStack, type TestStack } from '../support/stack';
import { dbSnapshot } from '../support/snapshot';

const execFileP = promisify(execFile);

/** Every sealed value in the sealed columns, by where it is. */
async function sealedValues(stack: TestStack): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of await stack.db.node.findMany()) {
    for (const [col, text] of [
      ['driver_info', n.driverInfo],
      ['instance_info', n.instanceInfo],
    ] as const) {
      for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>))
        if (isSealed(v)) out.set(`${n.name}.${col}.${k}`, v);
    }
  }
  for (const d of await stack.db.deployment.findMany()) {
    for (const [k, v] of Object.entries({ secret: d.secret, chap: d.chap, imageToken: d.imageToken }))
      if (isSealed(v)) out.set(`deployment.${k}`, v);
  }
  return out;
}

describe('npm run reseal', () => {
  let stack: TestStack;
  const NEW = crypto.randomBytes(32);
  let OLD: Buffer;

  async function reseal(primary: Buffer, previous: Buffer[] = []) {
    const env = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: stack.database.url,
      IRONFLOW_DATA_DIR: '/nonexistent',
      IRONFLOW_SECRET_KEY: primary.toString('hex'),
      IRONFLOW_SECRET_KEYS_PREVIOUS: previous.map((k) => k.toString('hex')).join(','),
    };
    try {
      const r = await execFileP(process.execPath, [path.join(repoRoot(), 'dist', 'scripts', 'reseal.js')], { env, timeout: 60_000 });
      return { code: 0, out: r.stdout + r.stderr };
    } catch (e) {
      const f = e as { code?: number; stdout?: string; stderr?: string };
      return { code: f.code ?? -1, out: `${f.stdout ?? ''}${f.stderr ?? ''}` };
    }
  }

  before(async () => {
    stack = await startStack({ worker: false });
    OLD = stack.cfg.keys.primary;
    for (const i of [1, 2, 3]) {
      const r = await api(stack, 'POST', '/v1/nodes', {
        driver: 'ipmi',
        name: `k${i}`,
        driver_info: { ipmi_address: '10.0.0.1', ipmi_username: 'admin', ipmi_password: `pw-${i}` },
        instance_info: { image_source: 'http://x/img', configdrive: `cd-${i}` },
      });
      assert.equal(r.status, 201, r.text);
    }
    const node = (await stack.db.node.findFirst({ where: { name: 'k1' } }))!;
    // A row from before sealing existed: a secret in clear.
    await stack.db.node.update({
      where: { id: node.id },
      data: { driverInfo: JSON.stringify({ ...JSON.parse(node.driverInfo), ipmi_password_legacy: 'clear-pw' }) },
    });
    await stack.db.deployment.create({
      data: {
        id: crypto.randomUUID(),
        nodeUuid: node.uuid,
        workflowId: `node-${node.uuid}`,
        runId: 'r1',
        mode: 'direct',
        secret: sealValue('dep-secret', stack.cfg.keys),
        chap: sealValue('{"user":"u","secret":"c"}', stack.cfg.keys),
        imageToken: sealValue('img-token', stack.cfg.keys),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
  });
  after(async () => stack?.stop());

  test('without the old key it refuses, names the missing key and changes nothing', async () => {
    const before = await dbSnapshot(stack.db);
    const r = await reseal(NEW);
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, new RegExp(`No configured secret key has id ${keyId(OLD)}; add the old key to IRONFLOW_SECRET_KEYS_PREVIOUS`));
    assert.match(r.out, /0 node\(s\) and 0 deployment\(s\) re-sealed, 4 failure\(s\)/);
    assert.equal(await dbSnapshot(stack.db), before);
  });

  test('with the old key as previous, every value moves to the new key; the new key alone then opens everything', async () => {
    const was = await sealedValues(stack);
    assert.ok([...was.values()].every((v) => sealedKeyId(v) === keyId(OLD)));
    const r = await reseal(NEW, [OLD]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`under key ${keyId(NEW)}: 3 node\\(s\\) and 1 deployment\\(s\\) re-sealed, 0 failure\\(s\\)`));
    const now = await sealedValues(stack);
    assert.deepEqual([...now.keys()].sort(), [...was.keys(), 'k1.driver_info.ipmi_password_legacy'].sort());
    assert.ok(
      [...now.values()].every((v) => sealedKeyId(v) === keyId(NEW)),
      'all under the new key',
    );
    const only = { primary: NEW };
    const k1 = (await stack.db.node.findFirst({ where: { name: 'k1' } }))!;
    assert.deepEqual(openSecrets(JSON.parse(k1.driverInfo), only), {
      ipmi_address: '10.0.0.1',
      ipmi_username: 'admin',
      ipmi_password: 'pw-1',
      ipmi_password_legacy: 'clear-pw',
    });
    assert.equal(openSecrets(JSON.parse(k1.instanceInfo), only).configdrive, 'cd-1');
    const dep = (await stack.db.deployment.findFirst())!;
    assert.deepEqual(
      [openValue(dep.secret, only), openValue(dep.chap!, only), openValue(dep.imageToken!, only)],
      ['dep-secret', '{"user":"u","secret":"c"}', 'img-token'],
    );
    assert.doesNotMatch(JSON.stringify(await stack.db.node.findMany()), /clear-pw|pw-\d/);
  });

  test('idempotent: a second run, with or without the old key, changes nothing', async () => {
    const before = await dbSnapshot(stack.db);
    for (const previous of [[OLD], []]) {
      const r = await reseal(NEW, previous);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /0 node\(s\) and 0 deployment\(s\) re-sealed, 0 failure\(s\)/);
      assert.equal(await dbSnapshot(stack.db), before);
    }
  });
});
