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
import { ImageDownloadError, ImageSourceRefusedError } from './errors';
import { parseCidrList } from '#workflows/domain/image-networks';

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
    args: [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
  });
  const server = https.createServer(
    { key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
    (_q, s) => s.end('x'),
  );
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

/** A server on a loopback address that counts requests and remembers their Host headers. */
async function countingServer(
  host: string,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_q, s) => s.end('image'),
) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.host ?? '');
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const refused = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ImageSourceRefusedError, String(e));
  assert.equal(e.retryable, false);
  assert.match(e.message, re);
  assert.match(e.message, /IRONFLOW_IMAGE_ALLOWED_NETWORKS=/);
  return true;
};

test('a literal address outside the allowed networks is refused before connecting', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dl-ssrf-'));
  const srv = await countingServer('127.0.0.1');
  try {
    const url = `http://127.0.0.1:${srv.port}/x`;
    await assert.rejects(
      fetchToFile({ kind: 'http', url }, path.join(dir, 'a'), { algo: 'sha256', allowedNetworks: [] }),
      refused(/127\.0\.0\.1 is a loopback address/),
    );
    await assert.rejects(
      fetchToFile({ kind: 'http', url: `http://[::ffff:127.0.0.1]:${srv.port}/x` }, path.join(dir, 'b'), {
        algo: 'sha256',
        allowedNetworks: [],
      }),
      refused(/IPv4-mapped/),
    );
    assert.deepEqual(srv.seen, [], 'nothing reached the server');
    assert.ok(!fs.existsSync(path.join(dir, 'a')), 'no file was created');
    // Allowed: the same URL downloads.
    await fetchToFile({ kind: 'http', url }, path.join(dir, 'c'), { algo: 'sha256', allowedNetworks: parseCidrList('127.0.0.1/32') });
    assert.equal(srv.seen.length, 1);
  } finally {
    srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('every resolved address is checked: one refused address refuses the host', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dl-ssrf-'));
  const srv = await countingServer('127.0.0.1');
  try {
    const resolve = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ];
    await assert.rejects(
      fetchToFile({ kind: 'http', url: `http://images.invalid:${srv.port}/x` }, path.join(dir, 'a'), {
        algo: 'sha256',
        allowedNetworks: parseCidrList('127.0.0.1/32'),
        resolve,
      }),
      refused(/127\.0\.0\.2 is a loopback address \(images\.invalid resolves to 127\.0\.0\.1, 127\.0\.0\.2\)/),
    );
    assert.deepEqual(srv.seen, []);
  } finally {
    srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the connection goes to the checked address: a second DNS answer (rebinding) is never asked for', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dl-pin-'));
  const srv = await countingServer('127.0.0.1');
  let calls = 0;
  // First answer: the allowed address. Any later answer would point elsewhere.
  const resolve = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '127.0.0.2', family: 4 }]);
  try {
    // images.invalid has no DNS record: had the socket resolved it again, the download would fail.
    const r = await fetchToFile({ kind: 'http', url: `http://images.invalid:${srv.port}/x` }, path.join(dir, 'a'), {
      algo: 'sha256',
      allowedNetworks: parseCidrList('127.0.0.1/32'),
      resolve,
    });
    assert.equal(r.bytes, 'image'.length);
    assert.equal(calls, 1, 'resolved once, for the check');
    assert.deepEqual(srv.seen, [`images.invalid:${srv.port}`], 'the Host header keeps the name');
  } finally {
    srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('redirects are checked like the first request: a redirect to a refused address goes nowhere', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-dl-redir-'));
  const inner = await countingServer('127.0.0.2');
  const outer = await countingServer('127.0.0.1', (_q, s) => {
    s.writeHead(302, { location: `http://127.0.0.2:${inner.port}/secret` });
    s.end();
  });
  try {
    await assert.rejects(
      fetchToFile({ kind: 'http', url: `http://127.0.0.1:${outer.port}/x` }, path.join(dir, 'a'), {
        algo: 'sha256',
        allowedNetworks: parseCidrList('127.0.0.1/32'),
      }),
      refused(/http:\/\/127\.0\.0\.2:\d+\/secret refused: 127\.0\.0\.2 is a loopback address/),
    );
    assert.equal(outer.seen.length, 1);
    assert.deepEqual(inner.seen, [], 'the redirect target was never contacted');
    // With its network allowed, the same redirect is followed.
    const r = await fetchToFile({ kind: 'http', url: `http://127.0.0.1:${outer.port}/x` }, path.join(dir, 'b'), {
      algo: 'sha256',
      allowedNetworks: parseCidrList('127.0.0.0/8'),
    });
    assert.equal(r.bytes, 'image'.length);
    assert.equal(inner.seen.length, 1);
  } finally {
    inner.stop();
    outer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
