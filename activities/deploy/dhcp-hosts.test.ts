import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeDhcpHosts, writeDhcpHosts } from './dhcp-hosts';

test('one dnsmasq hosts file per MAC, rewritten in place, removed idempotently; bad MACs refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dhcp-hosts-'));
  try {
    await writeDhcpHosts(dir, ['52:54:00:AA:BB:01', '52:54:00:aa:bb:02']);
    await writeDhcpHosts(dir, ['52:54:00:aa:bb:01']);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['52-54-00-aa-bb-01', '52-54-00-aa-bb-02']);
    assert.equal(fs.readFileSync(path.join(dir, '52-54-00-aa-bb-01'), 'utf8'), '52:54:00:aa:bb:01,set:ironflow\n');
    await removeDhcpHosts(dir, ['52:54:00:aa:bb:01', '52:54:00:aa:bb:01', '52:54:00:aa:bb:09']);
    assert.deepEqual(fs.readdirSync(dir), ['52-54-00-aa-bb-02']);
    await assert.rejects(writeDhcpHosts(dir, ['../../etc/passwd']));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
