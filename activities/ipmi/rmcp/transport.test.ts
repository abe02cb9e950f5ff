// The shared socket against real UDP peers on 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { UdpTransport } from './transport';

function server(reply: (msg: Buffer) => Buffer | undefined, delayMs = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.on('message', (msg, rinfo) => {
    const out = reply(msg);
    if (out) setTimeout(() => s.send(out, rinfo.port, rinfo.address), delayMs);
  });
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

let a: dgram.Socket;
let b: dgram.Socket;
let silent: dgram.Socket;
before(async () => {
  a = await server((m) => Buffer.concat([Buffer.from('A:'), m]), 20);
  b = await server((m) => Buffer.concat([Buffer.from('B:'), m]));
  silent = await server(() => undefined);
});
after(() => {
  for (const s of [a, b, silent]) s.close();
});

const asText = (m: Buffer): string => m.toString();

test('answers are routed by the peer address:port they come from', async () => {
  const t = new UdpTransport();
  try {
    const [ra, rb] = await Promise.all([
      t.link('127.0.0.1', a.address().port).roundTrip(Buffer.from('1'), asText, 1000),
      t.link('127.0.0.1', b.address().port).roundTrip(Buffer.from('2'), asText, 1000),
    ]);
    assert.equal(ra, 'A:1');
    assert.equal(rb, 'B:2');
  } finally {
    await t.close();
  }
});

test('datagrams the waiter does not accept are ignored; silence resolves undefined after the timeout', async () => {
  const t = new UdpTransport();
  try {
    const link = t.link('127.0.0.1', b.address().port);
    assert.equal(await link.roundTrip(Buffer.from('x'), (m) => (m.toString() === 'B:y' ? 'yes' : undefined), 100), undefined);
    const started = Date.now();
    assert.equal(await t.link('127.0.0.1', silent.address().port).roundTrip(Buffer.from('x'), asText, 150), undefined);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 140 && elapsed < 2000, `${elapsed} ms`);
  } finally {
    await t.close();
  }
});

test('a second request in flight to the same BMC is refused; a closed transport refuses all', async () => {
  const t = new UdpTransport();
  const link = t.link('127.0.0.1', a.address().port);
  const first = link.roundTrip(Buffer.from('1'), asText, 1000);
  await assert.rejects(link.roundTrip(Buffer.from('2'), asText, 1000), /two requests in flight/);
  assert.equal(await first, 'A:1');
  await t.close();
  await assert.rejects(link.roundTrip(Buffer.from('3'), asText, 1000), /closed/);
});
