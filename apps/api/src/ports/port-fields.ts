// Validation of a port document (create and PATCH share it).
import { BadRequestError } from '../common/errors';
import { readBool, readMac, readObject, readOptString, readUuid, type Json } from '../common/input';

export const PORT_CREATE_KEYS = [
  'address',
  'node_uuid',
  'uuid',
  'extra',
  'local_link_connection',
  'pxe_enabled',
  'portgroup_uuid',
  'physical_network',
  'is_smartnic',
];
export const PORT_PATCH_KEYS = [
  'address',
  'extra',
  'is_smartnic',
  'local_link_connection',
  'node_uuid',
  'physical_network',
  'portgroup_uuid',
  'pxe_enabled',
];

const LLC_KEYS = ['port_id', 'switch_id', 'hostname', 'switch_info', 'network_type'];
const DPID_RE = /^(0x)?[0-9a-f]{16}$/i;

export interface PortColumns {
  address: string;
  nodeUuid: string;
  extra: Json;
  localLinkConnection: Json;
  pxeEnabled: boolean;
  physicalNetwork: string | null;
  isSmartnic: boolean;
}

export function checkLocalLinkConnection(v: unknown): Json {
  const llc = readObject(v, 'local_link_connection');
  const extra = Object.keys(llc).filter((k) => !LLC_KEYS.includes(k));
  if (extra.length)
    throw new BadRequestError(`Invalid local_link_connection: unknown key(s) ${extra.join(', ')}. Allowed: ${LLC_KEYS.join(', ')}.`);
  for (const [k, val] of Object.entries(llc))
    if (typeof val !== 'string') throw new BadRequestError(`Invalid local_link_connection.${k}: expected a string.`);
  if (llc.network_type !== undefined && llc.network_type !== 'managed' && llc.network_type !== 'unmanaged') {
    throw new BadRequestError('Invalid local_link_connection.network_type: use "managed" or "unmanaged".');
  }
  if (Object.keys(llc).length && llc.network_type !== 'unmanaged') {
    const ok = (llc.port_id && llc.switch_id) || (llc.port_id && llc.hostname);
    if (!ok)
      throw new BadRequestError(
        'Invalid local_link_connection: give port_id with switch_id (or with hostname for a smart NIC), or network_type=unmanaged.',
      );
  }
  if (typeof llc.switch_id === 'string') {
    const s = llc.switch_id;
    if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s) && !DPID_RE.test(s)) {
      throw new BadRequestError(`Invalid local_link_connection.switch_id ${s}: expected a MAC address or an OpenFlow datapath id.`);
    }
    llc.switch_id = s.toLowerCase();
  }
  return llc;
}

export function portColumns(doc: Json): PortColumns {
  if (doc.address === undefined || doc.address === null)
    throw new BadRequestError("Schema error for port: 'address' is a required property.");
  if (doc.node_uuid === undefined || doc.node_uuid === null)
    throw new BadRequestError("Schema error for port: 'node_uuid' is a required property.");
  if (doc.portgroup_uuid !== undefined && doc.portgroup_uuid !== null)
    throw new BadRequestError('Port groups are not supported by Ironflow: leave portgroup_uuid unset.');
  const physicalNetwork = readOptString(doc.physical_network, 'physical_network', 64) ?? null;
  if (physicalNetwork === '') throw new BadRequestError('Invalid physical_network: must not be empty (leave it unset instead).');
  return {
    address: readMac(doc.address),
    nodeUuid: readUuid(doc.node_uuid, 'node_uuid'),
    extra: doc.extra === undefined || doc.extra === null ? {} : readObject(doc.extra, 'extra'),
    localLinkConnection:
      doc.local_link_connection === undefined || doc.local_link_connection === null
        ? {}
        : checkLocalLinkConnection(doc.local_link_connection),
    pxeEnabled: doc.pxe_enabled === undefined || doc.pxe_enabled === null ? true : readBool(doc.pxe_enabled, 'pxe_enabled'),
    physicalNetwork,
    isSmartnic: doc.is_smartnic === undefined || doc.is_smartnic === null ? false : readBool(doc.is_smartnic, 'is_smartnic'),
  };
}
