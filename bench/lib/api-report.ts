// The API benchmark's results and their side-by-side text table.
import type { MachineInfo } from './machine';
import type { TreeUsage } from './proc-usage';
import type { EnrollResult, ListResult } from './workload';

export interface ProcessFigure {
  /** What the processes are, e.g. "API" or "conductor". */
  label: string;
  usage: TreeUsage;
  /** Counted in the system's total (false: shown for information, e.g. Ironflow's Temporal dev server). */
  inTotal: boolean;
}

export interface SystemResult {
  name: string;
  database: string;
  enroll: EnrollResult;
  list: ListResult;
  detail: ListResult;
  processes: ProcessFigure[];
  versions: Record<string, string>;
  /** CPU time of the system's server processes (API + conductor) per operation, in ms. */
  cpuMs: { enrollPerNode: number; listPerGet: number; detailPerGet: number };
  /** 1-minute load average of the machine when this system's workload started and ended. */
  load: { start: number; end: number };
}

export interface ApiBenchResult {
  options: { nodes: number; concurrency: number; requests: number; db: string };
  machine: MachineInfo;
  ironflow: SystemResult;
  ironic?: SystemResult;
  /** Why there is no Ironic column. */
  ironicMissing?: string;
  /** 1-minute load average when the run ended. */
  loadAtEnd?: number;
}

interface Row {
  label: string;
  value: (s: SystemResult) => number | undefined;
  digits: number;
  /** No ratio for this row (counts, not measures). */
  noRatio?: boolean;
}

const MiB = (kib: number): number => kib / 1024;
const proc = (s: SystemResult, label: string): TreeUsage | undefined => s.processes.find((p) => p.label === label)?.usage;
const total = (s: SystemResult, f: (u: TreeUsage) => number): number =>
  s.processes.filter((p) => p.inTotal).reduce((sum, p) => sum + f(p.usage), 0);

function rows(r: ApiBenchResult): Row[] {
  const { nodes: n, concurrency: c, requests } = r.options;
  const lat = (label: string, pick: (s: SystemResult) => ListResult): Row[] => [
    { label: `${label} p50 (ms)`, value: (s) => pick(s).latency?.p50Ms, digits: 1 },
    { label: `${label} p95 (ms)`, value: (s) => pick(s).latency?.p95Ms, digits: 1 },
    { label: `${label} mean (ms)`, value: (s) => pick(s).latency?.meanMs, digits: 1 },
    { label: `${label.replace(/ x\d+$/, '')} failed requests`, value: (s) => pick(s).failures, digits: 0, noRatio: true },
  ];
  return [
    { label: `(a) enroll ${n} nodes + ${n} ports, ${c} clients (s)`, value: (s) => s.enroll.seconds, digits: 2 },
    { label: '(a) enroll rate (nodes/s, node+port each)', value: (s) => s.enroll.nodesPerSecond, digits: 1 },
    { label: '(a) enroll failures', value: (s) => s.enroll.failures, digits: 0, noRatio: true },
    { label: '(a) POST /v1/nodes p50 (ms)', value: (s) => s.enroll.nodePost.p50Ms, digits: 1 },
    { label: '(a) POST /v1/nodes p95 (ms)', value: (s) => s.enroll.nodePost.p95Ms, digits: 1 },
    { label: '(a) POST /v1/ports p50 (ms)', value: (s) => s.enroll.portPost.p50Ms, digits: 1 },
    { label: '(a) POST /v1/ports p95 (ms)', value: (s) => s.enroll.portPost.p95Ms, digits: 1 },
    ...lat(`(b) GET /v1/nodes x${requests}`, (s) => s.list),
    { label: '(b) GET /v1/nodes nodes returned', value: (s) => (s.list.latency ? s.list.items : undefined), digits: 0, noRatio: true },
    { label: '(b) GET /v1/nodes body (KiB)', value: (s) => (s.list.latency ? s.list.bytes / 1024 : undefined), digits: 1 },
    ...lat(`(b) GET /v1/nodes/detail x${requests}`, (s) => s.detail),
    { label: '(b) GET /v1/nodes/detail body (KiB)', value: (s) => (s.detail.latency ? s.detail.bytes / 1024 : undefined), digits: 1 },
    { label: '(a) server CPU per node enrolled (ms)', value: (s) => s.cpuMs.enrollPerNode, digits: 1 },
    // only when the requests succeeded: a failing request's cost says nothing about the list
    { label: '(b) server CPU per GET /v1/nodes (ms)', value: (s) => (s.list.failures ? undefined : s.cpuMs.listPerGet), digits: 1 },
    {
      label: '(b) server CPU per GET /v1/nodes/detail (ms)',
      value: (s) => (s.detail.failures ? undefined : s.cpuMs.detailPerGet),
      digits: 1,
    },
    { label: 'machine load average (1 min) at start of system', value: (s) => s.load.start, digits: 1, noRatio: true },
    { label: 'machine load average (1 min) at end of system', value: (s) => s.load.end, digits: 1, noRatio: true },
    { label: '(c) RSS API process(es) (MiB)', value: (s) => (proc(s, 'API') ? MiB(proc(s, 'API')!.rssKiB) : undefined), digits: 0 },
    { label: '(c) RSS conductor (MiB)', value: (s) => (proc(s, 'conductor') ? MiB(proc(s, 'conductor')!.rssKiB) : undefined), digits: 0 },
    { label: '(c) RSS total, API + conductor (MiB)', value: (s) => MiB(total(s, (u) => u.rssKiB)), digits: 0 },
    { label: '(c) PSS total, shared pages split (MiB)', value: (s) => MiB(total(s, (u) => u.pssKiB)), digits: 0 },
    { label: '(c) CPU seconds, API + conductor, whole run', value: (s) => total(s, (u) => u.cpuSeconds), digits: 1 },
  ];
}

function cell(v: number | undefined, digits: number): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

export function formatApiBench(r: ApiBenchResult): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`API benchmark, ${m.date}`);
  out.push(
    `machine: ${m.nproc} CPUs (nproc), ${m.memoryGiB} GiB RAM, ${m.cpuModel}, ${m.kernel}; ` +
      `load average (1 min) ${m.loadAverage1m} at the start${r.loadAtEnd === undefined ? '' : `, ${r.loadAtEnd} at the end`}`,
  );
  out.push(
    `workload: ${r.options.nodes} nodes (+1 port each) enrolled by ${r.options.concurrency} concurrent keep-alive HTTP clients; ` +
      `then ${r.options.requests} sequential GETs of each list (after one warm-up); X-OpenStack-Ironic-API-Version: 1.78; all on 127.0.0.1`,
  );
  out.push(
    '(server CPU = user+system CPU time of the API process(es) and, for Ironic, the conductor, per operation; ' +
      'latencies are wall-clock at the client and suffer more when the shared machine is busy)',
  );
  for (const s of [r.ironflow, r.ironic]) {
    if (!s) continue;
    out.push(
      `${s.name}: ${Object.entries(s.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join('; ')}; database ${s.database}`,
    );
    out.push(
      `  processes: ${s.processes.map((p) => `${p.label} pid ${p.usage.pids[0]} (${p.usage.pids.length} proc${p.usage.pids.length > 1 ? 's' : ''})${p.inTotal ? '' : ' [not in total]'}`).join(', ')}`,
    );
  }
  out.push('');
  const table = rows(r);
  const w0 = Math.max(...table.map((t) => t.label.length));
  const head = `${''.padEnd(w0)}  ${'Ironflow'.padStart(10)}  ${'Ironic'.padStart(10)}  ${'Ironflow/Ironic'.padStart(15)}`;
  out.push(head, '-'.repeat(head.length));
  for (const t of table) {
    const a = t.value(r.ironflow);
    const b = r.ironic ? t.value(r.ironic) : undefined;
    const ratio = !t.noRatio && a !== undefined && b !== undefined && b !== 0 ? `${(a / b).toFixed(2)}x` : '-';
    out.push(`${t.label.padEnd(w0)}  ${cell(a, t.digits).padStart(10)}  ${cell(b, t.digits).padStart(10)}  ${ratio.padStart(15)}`);
  }
  const temporal = r.ironflow.processes.find((p) => !p.inTotal);
  if (temporal)
    out.push(
      `(Ironflow's ${temporal.label}, needed at start-up but idle here: RSS ${MiB(temporal.usage.rssKiB).toFixed(0)} MiB, not in the totals)`,
    );
  if (r.ironic?.processes.length) {
    const api = r.ironic.processes.find((p) => p.label === 'API');
    if (api) out.push(`(Ironic's API is ${api.usage.pids.length} processes: ironic-api and its forked workers, api_workers = 2)`);
  }
  for (const s of [r.ironflow, r.ironic]) {
    if (s?.enroll.firstFailure) out.push(`${s.name}: first enroll failure: ${s.enroll.firstFailure}`);
    for (const l of s ? [s.list, s.detail] : []) {
      if (l.firstFailure)
        out.push(`${s?.name}: GET ${l.path}: ${l.failures}/${r.options.requests} failed (+ warm-up); first: ${l.firstFailure}`);
    }
  }
  if (!r.ironic) out.push(`baseline: ${r.ironicMissing ?? 'Ironic not measured'}`);
  return out.join('\n');
}
