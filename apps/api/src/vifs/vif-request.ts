// The body of POST /v1/nodes/{ident}/vifs: {"id": <uuid or name>, ...}; port_uuid or
// portgroup_uuid (1.67) pick where it is recorded; other keys are the network
// interface's to read, as in Ironic, and ignored here.
import { BadRequestError, NotAcceptableError } from '../common/errors';
import { isUuidLike, readUuid, requireObjectBody } from '../common/input';
import { formatVersion } from '../common/microversion';
import type { VifAttachRequest } from './vifs.service';

const NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;

export function readVifId(v: unknown): string {
  if (typeof v !== 'string' || !(isUuidLike(v) || NAME_RE.test(v)))
    throw new BadRequestError(`Expected a UUID or name for the VIF id: ${JSON.stringify(v)} (send {"id": "<neutron port UUID or name>"}).`);
  return v;
}

export function parseVifAttach(body: unknown, minor: number): VifAttachRequest {
  const doc = requireObjectBody(body, 'vif');
  if (doc.id === undefined || doc.id === null) throw new BadRequestError("Schema error for vif: 'id' is a required property.");
  const out: VifAttachRequest = { id: readVifId(doc.id) };
  for (const [key, field] of [
    ['port_uuid', 'portUuid'],
    ['portgroup_uuid', 'portgroupUuid'],
  ] as const) {
    if (doc[key] === undefined || doc[key] === null) continue;
    if (minor < 67)
      throw new NotAcceptableError(`VIF "${key}" requires API version 1.67 or later; this request was made at ${formatVersion(minor)}.`);
    out[field] = readUuid(doc[key], key);
  }
  if (out.portUuid && out.portgroupUuid) throw new BadRequestError('Give port_uuid or portgroup_uuid for a VIF, not both.');
  return out;
}
