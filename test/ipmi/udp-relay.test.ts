// The lossy relay used by the IPMI tests: loss rate as configured, the same
// losses for the same seed, and a dead mode that drops everything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { seededRandom, startUdpRelay } from '../support/udp-relay';

let echo: dgram.Socket;
before(async () => {
  echo = dgram.createSocket('udp4');
  echo.on('message', (m, r) => echo.send(m, r.port, r.address));
  await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', () => resolve()));
});
after(() => echo.close());

async function blast(seed: number, n: number, dead = false) {
  const relay = await startUdpRelay({
    targetAddress: '127.0.0.1',
    targetPort: echo.address().port,
    dropToTarget: 0.3,
    dropToClient: 0.3,
    seed,
  });
  relay.dead = dead;
  const client = dgram.createSocket('udp4');
  const got: number[] = [];
  client.on('message', (m) => got.push(m.readUInt16BE(0)));
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', () => resolve()));
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(i);
    client.send(b, relay.port, relay.address);
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  client.close();
  await relay.close();
  return { stats: { ...relay.stats }, got: got.sort((x, y) => x - y) };
}

test('drops about the configured fraction each way', async () => {
  const { stats, got } = await blast(7, 1000);
  const toTarget = stats.droppedToTarget / 1000;
  const toClient = stats.droppedToClient / (stats.forwardedToTarget || 1);
  assert.ok(Math.abs(toTarget - 0.3) < 0.05, `to target ${toTarget}`);
  assert.ok(Math.abs(toClient - 0.3) < 0.06, `to client ${toClient}`);
  assert.equal(got.length, stats.forwardedToClient);
});

test('the same seed loses the same datagrams; dead drops all', async () => {
  const one = await blast(11, 200);
  const two = await blast(11, 200);
  assert.deepEqual(one.got, two.got);
  assert.notDeepEqual(one.got, (await blast(12, 200)).got);
  const dead = await blast(11, 50, true);
  assert.equal(dead.got.length, 0);
  assert.equal(dead.stats.droppedToTarget, 50);
});

test('seededRandom is deterministic and in [0, 1)', () => {
  const a = seededRandom(5);
  const b = seededRandom(5);
  for (let i = 0; i < 100; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
});
