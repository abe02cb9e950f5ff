// Redfish vs IPMI, library level: a power-sync pass over N BMCs and one power action, each driver beside the other.
//
//   npm run bench -- redfish-power [--bmcs 50] [--concurrency 16] [--passes 3] [--reps 5] [--quick] [--json]
//
// Sync pass = read the power state of all N BMCs at the same concurrency limit: IPMI with the
// native RMCP+ driver against N ipmi_sim processes, Redfish with RedfishDriver against N systems
// on N lab Redfish BMC emulators (HTTPS, one per BMC, as real BMCs are). Cold = the first pass
// (RMCP+ sessions / Redfish TLS handshakes and sessions included), warm = the median of later
// passes (sessions and keep-alive connections reused, as the periodic sync does).
// Power action = setPower on, then read until the BMC says on (every 50 ms); then the same for
// off; p50 over --reps. The emulator lands resets at once here (powerDelayMs 0), so the figure
// is protocol cost, not a BMC's delay; ipmi_sim runs its chassis hook per command.
// Caveat: the emulators run in the bench's own process (their CPU is counted against Redfish);
// ipmi_sim runs in its own processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeIpmiDriver } from '#activities/ipmi/native-driver';
import type { BmcTarget, PowerState } from '#activities/ipmi/driver';
import { RedfishDriver, type RedfishTarget } from '#activities/redfish';
import { startBmcs, stopBmcs, type Bmc } from '#test/support/bmc-sim';
import { MemoryBackend } from '#test/lab/redfish-bmc/memory-backend';
import { startRedfishBmc, type RedfishBmc } from '#test/lab/redfish-bmc/server';

interface Reader {
  getPowerState(i: number): Promise<PowerState>;
  setPower(i: number, action: 'on' | 'off'): Promise<void>;
}

export interface RedfishPowerBenchOptions {
  bmcs: number;
  concurrency: number;
  passes: number;
  reps: number;
}

export interface DriverFigures {
  coldMs: number;
  warmMs: number;
  onP50Ms: number;
  offP50Ms: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function pass(r: Reader, n: number, concurrency: number, expected: PowerState[]): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      const s = await r.getPowerState(i);
      if (s !== expected[i]) throw new Error(`BMC ${i}: read ${s}, want ${expected[i]}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  return performance.now() - t0;
}

async function action(r: Reader, want: 'on' | 'off'): Promise<number> {
  const t0 = performance.now();
  await r.setPower(0, want);
  while ((await r.getPowerState(0)) !== `power ${want}`) await new Promise((res) => setTimeout(res, 50));
  return performance.now() - t0;
}

async function figures(r: Reader, o: RedfishPowerBenchOptions, expected: PowerState[]): Promise<DriverFigures> {
  const passes: number[] = [];
  for (let i = 0; i < o.passes; i++) passes.push(await pass(r, o.bmcs, o.concurrency, expected));
  const on: number[] = [];
  const off: number[] = [];
  const first = expected[0] === 'power on' ? 'off' : 'on';
  for (let i = 0; i < o.reps; i++) {
    (first === 'on' ? on : off).push(await action(r, first));
    (first === 'on' ? off : on).push(await action(r, first === 'on' ? 'off' : 'on'));
  }
  return { coldMs: passes[0]!, warmMs: median(passes.slice(1)), onP50Ms: median(on), offP50Ms: median(off) };
}

export async function runRedfishPowerBench(o: RedfishPowerBenchOptions, log = (l: string) => console.error(l)) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redfish-'));
  let ipmiBmcs: Bmc[] = [];
  const rfBmcs: RedfishBmc[] = [];
  const native = new NativeIpmiDriver({ maxConcurrency: o.concurrency });
  const redfish = new RedfishDriver({ maxConcurrency: o.concurrency, pollMs: 50 });
  try {
    log(`starting ${o.bmcs} ipmi_sim BMCs and ${o.bmcs} Redfish BMC emulators ...`);
    ipmiBmcs = await startBmcs(o.bmcs);
    ipmiBmcs.forEach((b, i) => b.writePower(i % 2 === 0 ? 1 : 0));
    for (let i = 0; i < o.bmcs; i++) {
      const backend = new MemoryBackend({ power: i % 2 === 0 ? 'On' : 'Off' });
      rfBmcs.push(await startRedfishBmc({ dir, password: 'bench-pw', powerDelayMs: 0, systems: [{ id: '1', backend }] }));
    }
    const expected: PowerState[] = Array.from({ length: o.bmcs }, (_, i) => (i % 2 === 0 ? 'power on' : 'power off'));
    const ipmiTargets: BmcTarget[] = ipmiBmcs.map((b) => ({
      address: b.address,
      port: b.port,
      username: b.username,
      password: b.password,
      cipherSuite: 3,
    }));
    const rfTargets: RedfishTarget[] = rfBmcs.map((b) => ({
      baseUrl: b.url,
      systemId: b.systemPath('1'),
      username: b.username,
      password: b.password,
      verifyCa: b.caFile,
      authType: 'auto',
    }));
    log('IPMI (native RMCP+) ...');
    const ipmi = await figures(
      { getPowerState: (i) => native.getPowerState(ipmiTargets[i]!), setPower: (i, a) => native.setPower(ipmiTargets[i]!, a) },
      o,
      expected,
    );
    log('Redfish ...');
    const rf = await figures(
      { getPowerState: (i) => redfish.getPowerState(rfTargets[i]!), setPower: (i, a) => redfish.setPower(rfTargets[i]!, a) },
      o,
      expected,
    );
    return {
      ...o,
      load: os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' '),
      ipmi,
      redfish: rf,
    };
  } finally {
    await native.close();
    await redfish.close();
    for (const b of rfBmcs) await b.stop();
    await stopBmcs(ipmiBmcs);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function formatRedfishPowerResult(r: Awaited<ReturnType<typeof runRedfishPowerBench>>): string {
  const f = (x: number) => `${x.toFixed(0)} ms`;
  const row = (name: string, d: DriverFigures) =>
    `${name.padEnd(8)} ${f(d.coldMs).padStart(10)} ${f(d.warmMs).padStart(10)} ${f(d.onP50Ms).padStart(10)} ${f(d.offP50Ms).padStart(10)}`;
  return [
    `${r.bmcs} BMCs, concurrency ${r.concurrency}, ${r.passes} passes, ${r.reps} actions each; load ${r.load}`,
    `driver         cold       warm   on (p50)  off (p50)`,
    row('ipmi', r.ipmi),
    row('redfish', r.redfish),
    `redfish / ipmi: warm pass ${(r.redfish.warmMs / r.ipmi.warmMs).toFixed(2)}x, cold pass ${(r.redfish.coldMs / r.ipmi.coldMs).toFixed(2)}x, power on ${(r.redfish.onP50Ms / r.ipmi.onP50Ms).toFixed(2)}x`,
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const num = (name: string, dflt: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  if (args.includes('--help')) {
    console.log('npm run bench -- redfish-power [--bmcs 50] [--concurrency 16] [--passes 3] [--reps 5] [--quick] [--json]');
  } else {
    const quick = args.includes('--quick');
    runRedfishPowerBench({
      bmcs: num('bmcs', quick ? 10 : 50),
      concurrency: num('concurrency', 16),
      passes: Math.max(2, num('passes', 3)),
      reps: num('reps', quick ? 3 : 5),
    })
      .then((r) => {
        console.log(formatRedfishPowerResult(r));
        if (args.includes('--json')) console.log(JSON.stringify(r));
      })
      .catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
      });
  }
}
