import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { optValue, rawFileOpts, validateLun, withLunSession, type IscsiLun } from './lun';

const good: IscsiLun = { portal: { address: '127.0.0.1', port: 3260 }, iqn: 'iqn.2026-11.org.ironflow:node-1', lun: 1 };

test('validateLun accepts a normal LUN and rejects option-injection attempts', () => {
  validateLun(good);
  assert.throws(() => validateLun({ ...good, iqn: 'iqn.2026-11.org.x:a,file.filename=/etc/shadow' }), /invalid iSCSI target name/);
  assert.throws(() => validateLun({ ...good, portal: { address: '1.2.3.4,x=y', port: 1 } }), /portal address/);
  assert.throws(() => validateLun({ ...good, portal: { address: '127.0.0.1', port: 70000 } }), /port/);
  assert.throws(() => validateLun({ ...good, chap: { user: 'a,b', secret: 'x' } }), /CHAP user/);
  assert.throws(() => validateLun({ ...good, lun: -1 }), /LUN/);
});

test('file names with commas are escaped for qemu option syntax', () => {
  assert.equal(optValue('/a,b'), '/a,,b');
  assert.equal(
    rawFileOpts('/x,y.raw', { offset: 512, size: 1024 }),
    'driver=raw,offset=512,size=1024,file.driver=file,file.filename=/x,,y.raw',
  );
});

test('withLunSession puts the CHAP secret in a 0600 file referenced by id, and removes it afterwards', async () => {
  let secretFile = '';
  await withLunSession({ ...good, chap: { user: 'u', secret: 'TopSecret123456' } }, async (s) => {
    assert.ok(!s.rawOpts().includes('TopSecret123456'));
    assert.ok(!s.objectArgs.join(' ').includes('TopSecret123456'));
    assert.match(
      s.rawOpts({ offset: 0, size: 512 }),
      /^driver=raw,offset=0,size=512,file\.driver=iscsi,file\.transport=tcp,file\.portal=127\.0\.0\.1:3260,.*file\.user=u,file\.password-secret=ironflow-chap$/,
    );
    secretFile = /file=(.*)$/.exec(s.objectArgs[1])![1];
    assert.equal(fs.readFileSync(secretFile, 'utf8'), 'TopSecret123456');
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);
  });
  assert.equal(fs.existsSync(secretFile), false);
});
