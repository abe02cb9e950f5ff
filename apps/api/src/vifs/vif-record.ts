// Where an attached VIF is recorded without Neutron (Ironic's noop/flat network
// interfaces): the id in the internal_info of one free port or port group of the node.
import { parseJson } from '../nodes/node-view';

export const VIF_KEY = 'tenant_vif_port_id';

/** The VIF recorded in an internal_info column (JSON text), if any. */
export function vifOf(internalInfo: string): string | undefined {
  const v = parseJson(internalInfo)[VIF_KEY];
  return typeof v === 'string' ? v : undefined;
}

/** internal_info (JSON text) with the VIF set, or removed when `vif` is undefined. */
export function withVif(internalInfo: string, vif: string | undefined): string {
  const info = parseJson(internalInfo);
  if (vif === undefined) delete info[VIF_KEY];
  else info[VIF_KEY] = vif;
  return JSON.stringify(info);
}
