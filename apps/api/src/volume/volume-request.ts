// Volume connector and target bodies (API >= 1.32) read into checked values, with Ironic's
// rules: a connector's type is one of iqn, ip, mac, wwnn, wwpn, port, portgroup; a target's
// boot_index is an integer of 0 or more; volume_id and connector_id are non-empty strings.
import { BadRequestError } from '../common/errors';
import { readObject, readString, readUuid, rejectUnknownKeys, requireObjectBody, type Json } from '../common/input';

export const VOLUME_VERSION = 32;
export const CONNECTOR_TYPES = ['iqn', 'ip', 'mac', 'wwnn', 'wwpn', 'port', 'portgroup'] as const;
/** The volume types Ironic's storage interfaces (cinder, external) know. */
export const VOLUME_TYPES = ['iscsi', 'fibre_channel', 'rbd'] as const;

export const CONNECTOR_FIELDS = ['uuid', 'node_uuid', 'type', 'connector_id', 'extra', 'created_at', 'updated_at'] as const;
export const CONNECTOR_LIST_FIELDS = ['uuid', 'node_uuid', 'type', 'connector_id'];
export const CONNECTOR_PATCH_KEYS = ['node_uuid', 'type', 'connector_id', 'extra'];
export const TARGET_FIELDS = [
  'uuid',
  'node_uuid',
  'volume_type',
  'properties',
  'boot_index',
  'volume_id',
  'extra',
  'created_at',
  'updated_at',
] as const;
export const TARGET_LIST_FIELDS = ['uuid', 'node_uuid', 'volume_type', 'boot_index', 'volume_id'];
export const TARGET_PATCH_KEYS = ['node_uuid', 'volume_type', 'properties', 'boot_index', 'volume_id', 'extra'];

export interface ConnectorValues {
  nodeUuid: string;
  type: string;
  connectorId: string;
  extra: Json;
}

export interface TargetValues {
  nodeUuid: string;
  volumeType: string;
  properties: Json;
  bootIndex: number;
  volumeId: string;
  extra: Json;
}

function required(doc: Json, keys: string[], what: string): void {
  for (const k of keys)
    if (doc[k] === undefined || doc[k] === null) throw new BadRequestError(`Schema error for ${what}: '${k}' is a required property.`);
}

function optObject(v: unknown, name: string): Json {
  return v === undefined || v === null ? {} : readObject(v, name);
}

export function checkConnector(doc: Json): ConnectorValues {
  required(doc, ['node_uuid', 'type', 'connector_id'], 'volume connector');
  const type = readString(doc.type, 'type');
  if (!(CONNECTOR_TYPES as readonly string[]).includes(type))
    throw new BadRequestError(`Invalid volume connector type '${type}': use one of ${CONNECTOR_TYPES.join(', ')}.`);
  const connectorId = readString(doc.connector_id, 'connector_id');
  if (!connectorId.trim()) throw new BadRequestError('Invalid connector_id: it may not be empty (e.g. an IQN, IP, MAC or WWPN).');
  return { nodeUuid: readUuid(doc.node_uuid, 'node_uuid'), type, connectorId, extra: optObject(doc.extra, 'extra') };
}

export function checkTarget(doc: Json): TargetValues {
  required(doc, ['node_uuid', 'volume_type', 'boot_index', 'volume_id'], 'volume target');
  const volumeType = readString(doc.volume_type, 'volume_type');
  if (!(VOLUME_TYPES as readonly string[]).includes(volumeType))
    throw new BadRequestError(`Invalid volume_type '${volumeType}': use one of ${VOLUME_TYPES.join(', ')}.`);
  const b = doc.boot_index;
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 2 ** 31 - 1)
    throw new BadRequestError(`Invalid boot_index ${JSON.stringify(b)}: an integer of 0 or more (0 is the boot volume).`);
  const volumeId = readString(doc.volume_id, 'volume_id', 36);
  if (!volumeId.trim()) throw new BadRequestError('Invalid volume_id: it may not be empty (the storage service volume ID).');
  return {
    nodeUuid: readUuid(doc.node_uuid, 'node_uuid'),
    volumeType,
    properties: optObject(doc.properties, 'properties'),
    bootIndex: b,
    volumeId,
    extra: optObject(doc.extra, 'extra'),
  };
}

export function parseConnectorCreate(body: unknown): ConnectorValues & { uuid?: string } {
  const doc = requireObjectBody(body, 'volume connector');
  rejectUnknownKeys(doc, ['uuid', ...CONNECTOR_PATCH_KEYS], 'volume connector');
  return { ...checkConnector(doc), uuid: doc.uuid === undefined || doc.uuid === null ? undefined : readUuid(doc.uuid, 'uuid') };
}

export function parseTargetCreate(body: unknown): TargetValues & { uuid?: string } {
  const doc = requireObjectBody(body, 'volume target');
  rejectUnknownKeys(doc, ['uuid', ...TARGET_PATCH_KEYS], 'volume target');
  return { ...checkTarget(doc), uuid: doc.uuid === undefined || doc.uuid === null ? undefined : readUuid(doc.uuid, 'uuid') };
}
