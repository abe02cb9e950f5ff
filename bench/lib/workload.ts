// The API workload, identical for Ironflow and Ironic: enroll N nodes (one port
// each) with C concurrent clients, then time R sequential list requests.
import { call, HttpError } from './ironic-http';
import { summarise, type LatencySummary } from './stats';

export interface EnrollResult {
  nodes: number;
  concurrency: number;
  /** Nodes enrolled with their port. */
  enrolled: number;
  /** Nodes created (with or without their port). */
  nodesCreated: number;
  seconds: number;
  nodesPerSecond: number;
  /** Latency of each POST /v1/nodes and each POST /v1/ports under that concurrency. */
  nodePost: LatencySummary;
  portPost: LatencySummary;
  failures: number;
  /** The first failure, for the report. */
  firstFailure?: string;
}

export interface ListResult {
  path: string;
  /** Of the successful requests; undefined when every request failed. */
  latency?: LatencySummary;
  /** Nodes in the (single) page and its size, from the last successful answer. */
  items: number;
  bytes: number;
  failures: number;
  firstFailure?: string;
}

/** The node document for node i (its BMC is never contacted: nodes stay in enroll). */
export function nodeBody(i: number): Record<string, unknown> {
  return {
    driver: 'ipmi',
    name: `n-${i + 1}`,
    driver_info: { ipmi_address: '127.0.0.1', ipmi_port: 9700 + (i % 50_000), ipmi_username: 'admin', ipmi_password: 'password' },
  };
}

/** A locally administered-looking MAC unique per i (up to 2^24 nodes). */
export function macOf(i: number): string {
  const b = [(i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff].map((x) => x.toString(16).padStart(2, '0'));
  return `52:54:00:${b.join(':')}`;
}

function ms(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** Enrolls nodes 0..n-1 (POST node, then POST port for it) with `concurrency` clients pulling from one queue. */
export async function enroll(base: string, n: number, concurrency: number): Promise<EnrollResult> {
  const nodeMs: number[] = [];
  const portMs: number[] = [];
  let failures = 0;
  let enrolled = 0;
  let nodesCreated = 0;
  let firstFailure: string | undefined;
  const fail = (e: unknown): void => {
    failures++;
    firstFailure ??= e instanceof HttpError ? e.message : String(e);
  };
  let next = 0;
  const client = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) {
      try {
        let t0 = process.hrtime.bigint();
        const node = await call(base, 'POST', '/v1/nodes', nodeBody(i));
        nodeMs.push(ms(t0));
        nodesCreated++;
        const uuid = (node.body as { uuid?: string }).uuid;
        if (!uuid) throw new Error(`POST /v1/nodes answered without a uuid`);
        t0 = process.hrtime.bigint();
        await call(base, 'POST', '/v1/ports', { address: macOf(i), node_uuid: uuid });
        portMs.push(ms(t0));
        enrolled++;
      } catch (e) {
        fail(e);
      }
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, client));
  const seconds = ms(started) / 1000;
  if (nodeMs.length === 0 || portMs.length === 0) throw new Error(`enroll failed for every node: ${firstFailure}`);
  return {
    nodes: n,
    concurrency,
    enrolled,
    nodesCreated,
    seconds,
    nodesPerSecond: enrolled / seconds,
    nodePost: summarise(nodeMs),
    portPost: summarise(portMs),
    failures,
    firstFailure,
  };
}

/**
 * One warm-up request, then `requests` sequential GETs of path, each timed to
 * the last byte. Failed requests are counted (and the first reason kept), not thrown.
 */
export async function timeList(base: string, path: string, requests: number): Promise<ListResult> {
  const samples: number[] = [];
  let items = 0;
  let bytes = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  for (let r = -1; r < requests; r++) {
    const t0 = process.hrtime.bigint();
    try {
      const reply = await call(base, 'GET', path);
      if (r >= 0) samples.push(ms(t0));
      items = ((reply.body as { nodes?: unknown[] }).nodes ?? []).length;
      bytes = reply.bytes;
    } catch (e) {
      if (r >= 0) failures++;
      firstFailure ??= e instanceof Error ? e.message : String(e);
    }
  }
  return { path, latency: samples.length ? summarise(samples) : undefined, items, bytes, failures, firstFailure };
}
