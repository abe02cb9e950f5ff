// The body of POST /v1/nodes, read into a typed request. (PATCH bodies are read
// by common/json-patch.ts's parsePatch; list queries by node-list-query.ts.)
import { readUuid, rejectUnknownKeys, requireObjectBody } from '../common/input';
import { NODE_CREATE_KEYS, nodeColumns, type NodeColumns } from './node-fields';

export interface NodeCreateRequest {
  /** The uuid asked for, normalised; absent: the service makes one. */
  uuid?: string;
  /** Validated columns, driver_info still in the clear. */
  columns: NodeColumns;
}

export function parseNodeCreate(body: unknown): NodeCreateRequest {
  const doc = requireObjectBody(body, 'node');
  rejectUnknownKeys(doc, NODE_CREATE_KEYS, 'node');
  const uuid = doc.uuid === undefined ? undefined : readUuid(doc.uuid, 'uuid');
  return { uuid, columns: nodeColumns(doc, 'create') };
}
