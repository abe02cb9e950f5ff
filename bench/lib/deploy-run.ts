// One node through the API as a user would drive it: enroll → manage → provide,
// then deploy and wait for `active`, timing the deploy from the PUT to the moment
// GET shows it active, and reading its steps from GET /v1/nodes/{id}/operation.
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { api } from '#test/support/stack';
import { waitFor } from '#test/support/procs';
import type { LabNode } from '#test/lab/lab';

export interface StepTime {
  name: string;
  status: string;
  ms: number;
}

export interface DeployTiming {
  node: string;
  uuid: string;
  /** From the PUT provision {"target":"active"} until GET shows active (polled every pollMs). */
  totalMs: number;
  /** Deploy steps in order, with their durations from the operation's timeline. */
  steps: StepTime[];
  bytesTotal: number | null;
  /** What the deploy's cacheImage activity did (from the workflow history). */
  cache: { downloaded: boolean; converted: boolean } | null;
  /** writeImageToNode's own duration (the writer inside the step), ms. */
  writerMs: number | null;
}

type Stack = { url: string; temporal: Client };

async function nodeState(stack: Stack, id: string): Promise<any> {
  return (await api(stack, 'GET', `/v1/nodes/${id}`)).body;
}

async function settle(stack: Stack, id: string, want: string, timeoutMs: number, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await nodeState(stack, id);
    if (n.provision_state === want && n.target_provision_state === null) return;
    if (n.target_provision_state === null && n.provision_state !== want)
      throw new Error(`node ${n.name} is ${n.provision_state}, not ${want}: ${n.last_error}`);
    if (Date.now() > deadline) throw new Error(`node ${n.name} not ${want} after ${timeoutMs} ms (it is ${n.provision_state})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function provision(stack: Stack, id: string, target: string): Promise<void> {
  const r = await api(stack, 'PUT', `/v1/nodes/${id}/states/provision`, { target });
  if (r.status !== 202) throw new Error(`PUT provision ${target} answered ${r.status}: ${r.text}`);
}

/** Enrolls a lab node for an iscsi-mode deploy of imageUrl and brings it to `available`. */
export async function enrollAvailable(
  stack: Stack,
  node: LabNode,
  image: { url: string; sha256: string },
  localGb: number,
): Promise<string> {
  const r = await api(stack, 'POST', '/v1/nodes', {
    driver: 'ipmi',
    name: node.name,
    deploy_interface: 'iscsi',
    automated_clean: false,
    driver_info: {
      ipmi_address: node.bmc.address,
      ipmi_port: node.bmc.port,
      ipmi_username: node.bmc.username,
      ipmi_password: node.bmc.password,
    },
    instance_info: { image_source: image.url, image_checksum: `sha256:${image.sha256}` },
    properties: { local_gb: localGb },
  });
  if (r.status !== 201) throw new Error(`enroll ${node.name}: ${r.status} ${r.text}`);
  const id = r.body.uuid as string;
  const p = await api(stack, 'POST', '/v1/ports', { address: node.mac, node_uuid: id });
  if (p.status !== 201) throw new Error(`port for ${node.name}: ${p.status} ${p.text}`);
  await provision(stack, id, 'manage');
  await settle(stack, id, 'manageable', 120_000);
  await provision(stack, id, 'provide');
  await settle(stack, id, 'available', 120_000);
  return id;
}

/** The results of this workflow run's completed activities, by activity type (last one wins). */
export async function activityResults(temporal: Client, workflowId: string, runId: string): Promise<Map<string, any>> {
  const history = await temporal.workflow.getHandle(workflowId, runId).fetchHistory();
  const scheduled = new Map<string, string>();
  const results = new Map<string, any>();
  for (const e of history.events ?? []) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) scheduled.set(String(e.eventId), name);
    const done = e.activityTaskCompletedEventAttributes;
    const type = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    const payload = done?.result?.payloads?.[0];
    if (type && payload) results.set(type, defaultPayloadConverter.fromPayload(payload));
  }
  return results;
}

/** PUT active, wait for `active`, then read the operation's steps. */
export async function deployAndTime(stack: Stack, id: string, name: string, timeoutMs: number, pollMs = 200): Promise<DeployTiming> {
  const t0 = process.hrtime.bigint();
  await provision(stack, id, 'active');
  await settle(stack, id, 'active', timeoutMs, pollMs);
  const totalMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const op = await waitFor(
    async () => {
      const r = (await api(stack, 'GET', `/v1/nodes/${id}/operation`)).body;
      return r?.kind === 'deploy' && r.status === 'succeeded' ? r : undefined;
    },
    30_000,
    `${name}: deploy operation recorded`,
  );
  const steps: StepTime[] = (op.steps as any[]).map((s) => ({
    name: s.name,
    status: s.status,
    ms: s.ended_at ? Date.parse(s.ended_at) - Date.parse(s.started_at) : NaN,
  }));
  const acts = await activityResults(stack.temporal, op.workflow_id, op.run_id);
  const c = acts.get('cacheImage') as { downloaded: boolean; converted: boolean } | undefined;
  const w = acts.get('writeImageToNode') as { durationMs: number } | undefined;
  return {
    node: name,
    uuid: id,
    totalMs,
    steps,
    bytesTotal: op.bytes_total,
    cache: c ? { downloaded: c.downloaded, converted: c.converted } : null,
    writerMs: w ? w.durationMs : null,
  };
}

/** Write throughput of a deploy's own write step, MiB/s (bytes / step duration). */
export function writeStepMiBps(t: DeployTiming): number | null {
  const w = t.steps.find((s) => s.name === 'write the image over iSCSI');
  if (!w || !t.bytesTotal || !(w.ms > 0)) return null;
  return t.bytesTotal / (1024 * 1024) / (w.ms / 1000);
}
