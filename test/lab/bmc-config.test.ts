import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLanConf } from './bmc-config';

const base = {
  name: 'lab-3',
  index: 3,
  port: 6231,
  username: 'admin',
  password: 'password',
  chassisScript: '/repo/test/lab/chassis.sh',
  nodeDir: '/repo/.data/lab/lab-3',
};

test('the LAN config listens on loopback, hooks the chassis script and defines the admin user', () => {
  const text = renderLanConf(base);
  assert.match(text, /^name "lab-3"$/m);
  assert.match(text, /^ {4}addr 127\.0\.0\.1 6231$/m);
  assert.match(text, /^ {2}chassis_control "\/repo\/test\/lab\/chassis\.sh \/repo\/\.data\/lab\/lab-3 0x20"$/m);
  assert.match(text, /^ {2}user 2 true "admin" "password" admin 10 none md2 md5 straight$/m);
  assert.match(text, /guid 1f0a1ab0000000000000000000000003/);
});

test('values that would break the config file are refused', () => {
  assert.throws(() => renderLanConf({ ...base, password: 'pa ss"word' }));
  assert.throws(() => renderLanConf({ ...base, password: 'x'.repeat(21) }));
  assert.throws(() => renderLanConf({ ...base, nodeDir: '/my lab/x' }));
  assert.throws(() => renderLanConf({ ...base, port: 0 }));
});

test('a VM BMC points Serial-over-LAN at the VM serial socket on loopback; nothing else is accepted', () => {
  assert.match(renderLanConf({ ...base, sol: 'tcp:127.0.0.1:5123' }), /^ {2}sol "tcp:127\.0\.0\.1:5123" 115200$/m);
  assert.doesNotMatch(renderLanConf(base), /sol/);
  assert.throws(() => renderLanConf({ ...base, sol: 'tcp:10.0.0.1:5123' }));
  assert.throws(() => renderLanConf({ ...base, sol: '/dev/ttyS0" x' }));
});

test('a VM BMC can wait for the VM system interface (KCS over QEMU ipmi-bmc-extern) on a loopback port', () => {
  assert.match(renderLanConf({ ...base, systemInterfacePort: 6300 }), /^ {2}serial 15 127\.0\.0\.1 6300 codec VM$/m);
  assert.doesNotMatch(renderLanConf(base), /serial/);
  assert.throws(() => renderLanConf({ ...base, systemInterfacePort: 0 }));
  assert.throws(() => renderLanConf({ ...base, systemInterfacePort: 70000 }));
});
