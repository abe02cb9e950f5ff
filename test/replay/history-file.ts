// A workflow history as a JSON file and back. Not the SDK's historyToJSON/historyFromJSON:
// with @temporalio/common 1.24.0 resolving protobufjs 8 beside @temporalio/proto's
// protobufjs 7, both throw "type must be a Type". The proto classes' own JSON form
// (longs and enums as strings, bytes base64) round-trips exactly.
import { temporal } from '@temporalio/proto';

const { History } = temporal.api.history.v1;
export type History = temporal.api.history.v1.History;

export function historyToFile(h: temporal.api.history.v1.IHistory): string {
  return `${JSON.stringify(History.fromObject(h).toJSON(), null, 1)}\n`;
}

export function historyFromFile(text: string): History {
  return History.fromObject(JSON.parse(text));
}

/**
 * Every payload of a history file (inputs, activity arguments and results, signals, failures'
 * details), decoded: the file holds them in base64, where a plain search finds no secret.
 */
export function decodedPayloads(file: string): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k === 'data' && typeof x === 'string') out.push(Buffer.from(x, 'base64').toString('utf8'));
        else walk(x);
      }
  };
  walk(JSON.parse(file));
  return out.join('\n');
}
