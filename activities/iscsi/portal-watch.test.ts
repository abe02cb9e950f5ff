import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { watchPortal } from './portal-watch';

test('stays quiet while the portal accepts connections, fires once it refuses them', async () => {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const w = watchPortal({ address: '127.0.0.1', port }, { intervalMs: 50, failuresBeforeAbort: 2 });
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(w.signal.aborted, false);
    await new Promise<void>((r) => server.close(() => r()));
    // The watch's timer is unref'd (a running qemu-img keeps the process alive); hold the loop open here.
    const keepAlive = setTimeout(() => undefined, 5000);
    await new Promise<void>((resolve) => w.signal.addEventListener('abort', () => resolve(), { once: true }));
    clearTimeout(keepAlive);
    assert.match(w.reason() ?? '', /portal unreachable: 127\.0\.0\.1:\d+: ECONNREFUSED/);
  } finally {
    w.stop();
  }
});
