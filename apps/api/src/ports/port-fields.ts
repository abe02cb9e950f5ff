// Validation of a port document (create and PATCH share it).
import { BadRequestError } from '../common/errors';
import { isUuidLike, readBool, readMac, readObject, readOptString, readString, readUuid, type Json } from '../common/input';

const PORT_NAME_RE = /^[A-Za-z0-9\-._~]{1,255}$/;

export const PORT_CREATE_KEYS = [
  'address',
  'name',
  'node_uuid',
  'node_ident',
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
  'name',
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
  name: string | null;
  /** node_uuid, or node_ident (1.94: a UUID or a name) as sent; the service finds the node. */
  nodeUuid: string;
  extra: Json;
  localLinkConnection: Json;
  pxeEnabled: boolean;
  physicalNetwork: string | null;
  isSmartnic: boolean;
  /** 1.24: the group (on the same node) this port belongs to */
  portgroupUuid: string | null;
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
  const byIdent = doc.node_ident !== undefined && doc.node_ident !== null;
  if ((doc.node_uuid === undefined || doc.node_uuid === null) && !byIdent)
    throw new BadRequestError("Schema error for port: 'node_uuid' is a required property.");
  if (byIdent && doc.node_uuid !== undefined && doc.node_uuid !== null)
    throw new BadRequestError('Give the node as node_uuid or as node_ident, not both.');
  const name = readOptString(doc.name, 'name') ?? null;
  if (name !== null && (!PORT_NAME_RE.test(name) || isUuidLike(name)))
    throw new BadRequestError(`Cannot use invalid name '${name}' for a port: use 1-255 of A-Z a-z 0-9 - . _ ~, not shaped like a UUID.`);
  const physicalNetwork = readOptString(doc.physical_network, 'physical_network', 64) ?? null;
  if (physicalNetwork === '') throw new BadRequestError('Invalid physical_network: must not be empty (leave it unset instead).');
  return {
    address: readMac(doc.address),
    name,
    nodeUuid: byIdent ? readString(doc.node_ident, 'node_ident') : readUuid(doc.node_uuid, 'node_uuid'),
    extra: doc.extra === undefined || doc.extra === null ? {} : readObject(doc.extra, 'extra'),
    localLinkConnection:
      doc.local_link_connection === undefined || doc.local_link_connection === null
        ? {}
        : checkLocalLinkConnection(doc.local_link_connection),
    pxeEnabled: doc.pxe_enabled === undefined || doc.pxe_enabled === null ? true : readBool(doc.pxe_enabled, 'pxe_enabled'),
    physicalNetwork,
    isSmartnic: doc.is_smartnic === undefined || doc.is_smartnic === null ? false : readBool(doc.is_smartnic, 'is_smartnic'),
    portgroupUuid: doc.portgroup_uuid === undefined || doc.portgroup_uuid === null ? null : readUuid(doc.portgroup_uuid, 'portgroup_uuid'),
  };
}
