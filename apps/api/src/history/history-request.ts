// The query of GET /v1/nodes/{ident}/history[/detail], read into a typed request.
import { readBool, readUuid } from '../common/input';
import { parseLimit } from '../nodes/node-list-query';

export interface HistoryPage {
  limit: number;
  /** The uuid of the last event of the previous page. */
  marker?: string;
}

/** `?detail=` (a boolean, Ironic's spellings); absent is false. */
export function parseHistoryDetail(q: Record<string, unknown>): boolean {
  return typeof q.detail === 'string' && readBool(q.detail, 'detail');
}

/** `?limit=` (capped at maxLimit) and `?marker=`; a value given twice is ignored, as before. */
export function parseHistoryPage(q: Record<string, unknown>, maxLimit: number): HistoryPage {
  const limit = parseLimit(typeof q.limit === 'string' ? q.limit : undefined, maxLimit);
  const marker = typeof q.marker === 'string' ? readUuid(q.marker, 'marker') : undefined;
  return { limit, marker };
}
