// The 400s of driver features Ironflow's hardware types do not offer, worded as Ironic's
// UnsupportedDriverExtension and vendor passthru errors, with what to do instead.
import { BadRequestError, NotFoundError } from '../common/errors';

export function noVirtualMedia(driver: string): BadRequestError {
  return new BadRequestError(
    `Driver ${driver} does not support virtual media (disabled or not implemented). Boot from the network (PXE) instead, or use a hardware type with a virtual media management interface.`,
  );
}

/** `?method=` missing, or naming a method none of the vendor interfaces offers (there are none). */
export function noPassthruMethod(method: unknown): BadRequestError {
  if (typeof method !== 'string' || method === '')
    return new BadRequestError('Method not specified: add ?method=<name>. This vendor interface offers no passthru methods.');
  return new BadRequestError(`No handler for method ${method}: this vendor interface offers no passthru methods (available: none).`);
}

/** Ironic's BIOSSettingNotFound: IPMI reads no BIOS settings, so every name is unknown. */
export class BiosSettingNotFound extends NotFoundError {
  constructor(nodeUuid: string, name: string) {
    super(`Node ${nodeUuid} doesn't have a BIOS setting '${name}'.`);
  }
}
