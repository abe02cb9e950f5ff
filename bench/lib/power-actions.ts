// API power-action latency: PUT /v1/nodes/{id}/states/power, then GET the node every
// pollMs until power_state is the target and target_power_state is null — the time a
// client of the Ironic API waits (as Ironic's own peer benchmark measures it).
import { api, type TestStack } from '#test/support/stack';

export type PowerTarget = 'power on' | 'power off';

export interface PowerActionTimes {
  /** Milliseconds per request, in order. */
  on: number[];
  off: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function node(stack: TestStack, id: string): Promise<Record<string, unknown>> {
  const r = await api(stack, 'GET', `/v1/nodes/${id}`);
  if (r.status !== 200) throw new Error(`GET node ${id}: HTTP ${r.status} ${r.text}`);
  return r.body as Record<string, unknown>;
}

/** Waits (untimed) until no operation holds the node, so the next request is not refused with 409. */
async function idle(stack: TestStack, id: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await node(stack, id);
    if (n.reservation === null && n.target_power_state === null) return n;
    if (Date.now() > deadline) throw new Error(`node ${id} still busy after ${timeoutMs} ms: ${JSON.stringify(n)}`);
    await sleep(50);
  }
}

/** One power request, timed from the PUT until GET shows it done. */
export async function timePowerAction(
  stack: TestStack,
  id: string,
  target: PowerTarget,
  pollMs = 50,
  timeoutMs = 120_000,
): Promise<number> {
  await idle(stack, id);
  const t0 = performance.now();
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/power`, { target });
  if (r.status !== 202) throw new Error(`PUT power "${target}" on ${id}: HTTP ${r.status} ${r.text}`);
  for (;;) {
    const n = await node(stack, id);
    const elapsed = performance.now() - t0;
    if (n.target_power_state === null) {
      if (n.power_state === target) return elapsed;
      throw new Error(`power "${target}" on ${id} ended in ${String(n.power_state)}: ${String(n.last_error)}`);
    }
    if (elapsed > timeoutMs) throw new Error(`power "${target}" on ${id} not done after ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}

/** reps × (power on, power off) on one node, starting from off (an untimed power off first if needed). */
export async function measurePowerActions(stack: TestStack, id: string, reps: number, pollMs = 50): Promise<PowerActionTimes> {
  if ((await idle(stack, id)).power_state !== 'power off') await timePowerAction(stack, id, 'power off', pollMs);
  const out: PowerActionTimes = { on: [], off: [] };
  for (let i = 0; i < reps; i++) {
    out.on.push(await timePowerAction(stack, id, 'power on', pollMs));
    out.off.push(await timePowerAction(stack, id, 'power off', pollMs));
  }
  return out;
}
