// manage (enroll → verifying → manageable): verification as a short workflow
// (provide is cleanNode, in clean-node.ts). It runs with workflow id
// node-<uuid>, which is the node's lock for as long as it runs.
import { proxyActivities, ApplicationFailure } from '@temporalio/workflow';
import type { Activities } from '#activities';
import type { ProvisionInput } from './contracts/operations';
import { presets } from './activity-options';

const { beginOperation, finishOperation, verifyNode } = proxyActivities<Activities>(presets.db);

function errorMessage(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.message;
  if (err instanceof Error) return (err.cause instanceof Error ? err.cause.message : undefined) ?? err.message;
  return String(err);
}

/** manage: verify the node's driver settings; failure returns it to enroll with last_error. */
export async function manageNode(input: ProvisionInput): Promise<void> {
  const op = { ...input, kind: 'manage' };
  await beginOperation(op);
  try {
    await verifyNode(input.nodeUuid);
  } catch (err) {
    const msg = `Failed to verify node ${input.nodeUuid}: ${errorMessage(err)}`;
    await finishOperation({ ...op, from: input.viaState, to: 'enroll', status: 'failed', error: msg });
    return;
  }
  await finishOperation({ ...op, from: input.viaState, to: 'manageable', status: 'succeeded' });
}
