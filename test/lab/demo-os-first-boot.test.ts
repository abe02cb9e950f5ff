// The demo OS's first-boot agent (demo-os/first-boot) on this host, under busybox sh as in the image, against
// config drive files laid out by Ironflow's own code (activities/configdrive layout): what it writes for the
// host name, the SSH keys and user_data, and what it refuses or ignores. The VM test (vm-demo-os.test.ts)
// runs the same script in the booted OS, finding the drive by its label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '#apps/shared/repo-root';
import { runCommand, type CommandFailedError, type CommandResult } from '#activities/shared/command-runner';
import { configDriveFiles } from '#activities/configdrive';
import type { ConfigDriveDocument } from '#workflows/domain/config-drive';

const NODE = { uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', name: 'node-name' };
const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoOsFirstBootKeyA a@test';
const KEY_B = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDemoOsFirstBootKeyB b@test';

/** A root (etc, run, var/log) and a drive directory holding the document's files; removed after the test. */
function setup(t: { after: (fn: () => void) => void }, doc: ConfigDriveDocument | { raw: string }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-os-first-boot-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  const drive = path.join(dir, 'drive');
  for (const d of ['etc', 'run', 'var/log']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc', 'hosts'), '127.0.0.1 localhost\n');
  const files = 'raw' in doc ? [{ path: 'openstack/latest/meta_data.json', content: doc.raw }] : configDriveFiles(doc, NODE);
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(drive, f.path)), { recursive: true });
    fs.writeFileSync(path.join(drive, f.path), f.content);
  }
  const run = (): Promise<CommandResult> =>
    runCommand({
      file: 'busybox',
      args: ['sh', path.join(repoRoot(), 'demo-os', 'first-boot')],
      env: { DEMO_OS_ROOT: root, DEMO_OS_DRIVE: drive },
      timeoutMs: 30_000,
    });
  const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');
  return { root, run, read };
}

test('meta_data: hostname, every key form (deduplicated) into root authorized_keys; a user_data script runs once', async (t) => {
  const counter = 'echo run >> "$DEMO_OS_ROOT/var/log/runs"; echo "ran as $(id -u)"';
  const { root, run, read } = setup(t, {
    meta_data: {
      hostname: 'web-1.example.test',
      public_keys: { a: KEY_A, b: KEY_B },
      keys: [{ name: 'a', type: 'ssh', data: KEY_A }, { name: 'x' }],
    },
    user_data: `#!/bin/sh\n${counter}\n`,
  });
  const first = await run();
  assert.match(first.stdout, /^hostname: web-1\.example\.test$/m);
  assert.match(first.stdout, /^ssh keys: 2$/m);
  assert.match(first.stdout, /^user_data: ran, exit 0$/m);
  assert.equal(read('etc/hostname'), 'web-1.example.test\n');
  assert.match(read('etc/hosts'), /^127\.0\.1\.1 web-1\.example\.test web-1$/m);
  assert.equal(read('root/.ssh/authorized_keys'), `${KEY_A}\n${KEY_B}\n`);
  assert.equal(fs.statSync(path.join(root, 'root', '.ssh', 'authorized_keys')).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.join(root, 'root', '.ssh')).mode & 0o777, 0o700);
  assert.match(read('var/log/user-data.log'), /^ran as \d+$/m);
  const again = await run();
  assert.doesNotMatch(again.stdout, /user_data/);
  assert.equal(read('var/log/runs'), 'run\n');
});

test('no hostname in meta_data: the node name Ironflow fills in; an invalid one is ignored; a non-script user_data is not run', async (t) => {
  const named = setup(t, { meta_data: { public_keys: { a: KEY_A } }, user_data: '#cloud-config\nruncmd: [touch /x]\n' });
  const r = await named.run();
  assert.match(r.stdout, /^hostname: node-name$/m);
  assert.match(r.stdout, /^user_data: not a script \(no #!\), ignored$/m);
  assert.equal(fs.existsSync(path.join(named.root, 'var', 'log', 'user-data.log')), false);

  const bad = setup(t, { meta_data: { hostname: 'bad_name;rm -rf /', public_keys: {} } });
  const b = await bad.run();
  assert.match(b.stdout, /^hostname ignored: not a valid host name$/m);
  assert.match(b.stdout, /^ssh keys: 0$/m);
  assert.equal(fs.existsSync(path.join(bad.root, 'etc', 'hostname')), false);
});

test('a meta_data.json that is not a JSON object: exit 1, nothing written', async (t) => {
  const broken = setup(t, { raw: '["not", "an", "object"]' });
  await assert.rejects(broken.run(), (e: CommandFailedError) => e.code === 1 && /meta_data\.json is not a JSON object/.test(e.stdout));
  assert.equal(fs.existsSync(path.join(broken.root, 'root')), false);
});
