// fetchToFile against real local servers (HTTP and HTTPS with an untrusted certificate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCommand } from '../shared/command-runner';
import { fetchToFile } from './download';
import { ImageDownloadError } from './errors';

test('streams to a new file and returns length and digest; an existing destination is never overwritten', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dl-'));
  const body = crypto.randomBytes(3 * 1024 * 1024 + 7);
  const server = http.createServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
  try {
    const dest = path.join(dir, 'out');
    const r = await fetchToFile({ kind: 'http', url }, dest, { algo: 'sha256' });
    assert.deepEqual(r, { bytes: body.length, hex: crypto.createHash('sha256').update(body).digest('hex') });
    assert.ok(fs.readFileSync(dest).equals(body));
    await assert.rejects(fetchToFile({ kind: 'http', url }, dest, { algo: 'sha256' }));
    assert.ok(fs.readFileSync(dest).equals(body));
  } finally {
    server.closeAllConnections();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an untrusted TLS certificate is a non-retryable error that says so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dl-tls-'));
  await runCommand({
    file: 'openssl',
    args: ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
  });
  const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_q, s) => s.end('x'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
    await assert.rejects(fetchToFile({ kind: 'http', url }, path.join(dir, 'out'), { algo: 'sha256' }), (e: unknown) => {
      assert.ok(e instanceof ImageDownloadError, String(e));
      assert.equal(e.retryable, false);
      assert.match(e.message, /TLS certificate is not trusted/);
      return true;
    });
  } finally {
    server.closeAllConnections();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
