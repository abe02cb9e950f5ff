// The body of PUT /v1/nodes/{ident}/states/provision, read into a typed request.
// Only its shape is checked here: whether the target and parameters fit the node
// (its state, maintenance, the API version) the service decides.
import { BadRequestError } from '../common/errors';
import { rejectUnknownKeys, requireObjectBody } from '../common/input';

const PROVISION_KEYS = [
  'target',
  'configdrive',
  'clean_steps',
  'deploy_steps',
  'service_steps',
  'rescue_password',
  'disable_ramdisk',
] as const;

export interface ProvisionRequest {
  /** As sent (not yet known to be a provisioning verb). */
  target: string;
  /** The optional parameters, unread: which targets take them, and their own rules, are checked by the service. */
  configdrive?: unknown;
  clean_steps?: unknown;
  deploy_steps?: unknown;
  service_steps?: unknown;
  rescue_password?: unknown;
  disable_ramdisk?: unknown;
}

export function parseProvisionRequest(body: unknown): ProvisionRequest {
  const req = requireObjectBody(body, 'provision request');
  if (req.target === undefined || req.target === null) throw new BadRequestError('Missing mandatory parameter: target');
  rejectUnknownKeys(req, PROVISION_KEYS, 'provision request');
  const out: ProvisionRequest = { target: String(req.target) };
  for (const k of PROVISION_KEYS) if (k !== 'target' && req[k] !== undefined) out[k] = req[k];
  return out;
}
