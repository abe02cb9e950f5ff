// Watches an iSCSI portal while a long qemu-img runs: libiscsi keeps trying
// to reconnect forever when the target dies, so we probe the portal with a
// plain TCP connect and abort the run once it refuses connections.
import net from 'node:net';

export interface PortalWatch {
  /** Fires when the portal has failed `failuresBeforeAbort` probes in a row. */
  signal: AbortSignal;
  reason(): string | undefined;
  stop(): void;
}

function probe(address: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = net.connect({ host: address, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(`no answer from ${address}:${port} within ${timeoutMs} ms`);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(undefined);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(`${address}:${port}: ${e.code ?? e.message}`);
    });
  });
}

export function watchPortal(
  portal: { address: string; port: number },
  opts: { intervalMs?: number; failuresBeforeAbort?: number } = {},
): PortalWatch {
  const ac = new AbortController();
  const intervalMs = opts.intervalMs ?? 1000;
  const limit = opts.failuresBeforeAbort ?? 3;
  let failures = 0;
  let why: string | undefined;
  let busy = false;
  const timer = setInterval(() => {
    if (busy || ac.signal.aborted) return;
    busy = true;
    void probe(portal.address, portal.port, Math.max(500, intervalMs)).then((err) => {
      busy = false;
      if (!err) {
        failures = 0;
        return;
      }
      failures++;
      if (failures >= limit && !ac.signal.aborted) {
        why = `portal unreachable: ${err}`;
        ac.abort(new Error(why));
      }
    });
  }, intervalMs);
  timer.unref();
  return { signal: ac.signal, reason: () => why, stop: () => clearInterval(timer) };
}
