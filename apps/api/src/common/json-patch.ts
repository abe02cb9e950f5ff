// RFC 6902 JSON Patch, the subset and rules Ironic applies: add/replace/remove only,
// paths of [\w-] segments, only allowed first segments, no new root attributes.
import { BadRequestError } from './errors';

export interface PatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

const PATH_RE = /^(\/[\w-]+)+$/;

function schemaError(msg: string): BadRequestError {
  return new BadRequestError(`Schema error for patch: ${msg}`);
}

/** Checks the shape of a patch document and returns it typed. */
export function parsePatch(body: unknown): PatchOp[] {
  if (!Array.isArray(body)) {
    throw schemaError(
      `${JSON.stringify(body)?.slice(0, 80) ?? 'the body'} is not of type 'array'. Send a JSON array of operations like [{"op": "replace", "path": "/name", "value": "n1"}].`,
    );
  }
  if (body.length === 0) throw schemaError('the patch is empty: send at least one operation.');
  return body.map((raw, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw schemaError(`operation ${i} is not an object.`);
    const o = raw as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => !['op', 'path', 'value'].includes(k));
    if (extra.length)
      throw schemaError(
        `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected) in operation ${i}.`,
      );
    if (o.op !== 'add' && o.op !== 'replace' && o.op !== 'remove') {
      throw schemaError(`operation ${i}: op ${JSON.stringify(o.op)} is not one of ['add', 'replace', 'remove'].`);
    }
    if (typeof o.path !== 'string' || !PATH_RE.test(o.path)) {
      throw schemaError(
        `operation ${i}: path ${JSON.stringify(o.path)} does not match '^(/[\\w-]+)+$' (segments of letters, digits, _ and -).`,
      );
    }
    if (o.op !== 'remove' && !('value' in o)) throw schemaError(`operation ${i}: '${o.op}' needs a 'value'.`);
    return o.op === 'remove' ? { op: o.op, path: o.path } : { op: o.op, path: o.path, value: o.value };
  });
}

function describe(op: PatchOp): string {
  const v = op.op === 'remove' ? '' : `, 'value': ${JSON.stringify(op.value)}`;
  return `{'op': '${op.op}', 'path': '${op.path}'${v}}`;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Applies ops to a copy of doc. `allowed` lists the first path segments that may be
 * changed. A top-level remove sets the field to null (the caller resets it to its default).
 */
export function applyPatch(doc: Record<string, unknown>, ops: PatchOp[], allowed: readonly string[]): Record<string, unknown> {
  const out = clone(doc);
  for (const op of ops) {
    const segs = op.path.slice(1).split('/');
    if (!allowed.includes(segs[0])) {
      throw new BadRequestError(`Cannot patch ${op.path}. Only the following can be updated: ${allowed.join(', ')}.`);
    }
    const fail = (reason: string) => new BadRequestError(`Couldn't apply patch '${describe(op)}'. Reason: ${reason}`);
    if (segs.length === 1) {
      const key = segs[0];
      if (!(key in out)) {
        if (op.op === 'add') throw new BadRequestError(`Adding a new attribute (${op.path}) to the root of the resource is not allowed`);
        throw fail(`can't ${op.op} a non-existent object '${key}'`);
      }
      out[key] = op.op === 'remove' ? null : clone(op.value);
      continue;
    }
    let parent: unknown = out;
    for (const seg of segs.slice(0, -1)) {
      const next = Array.isArray(parent) ? parent[Number(seg)] : (parent as Record<string, unknown> | null)?.[seg];
      if (next === null || typeof next !== 'object')
        throw fail(`member '${seg}' not found in ${segs.slice(0, segs.indexOf(seg)).join('/') || 'the resource'}`);
      parent = next;
    }
    const last = segs[segs.length - 1];
    if (Array.isArray(parent)) {
      const idx = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(idx) || idx < 0 || idx > parent.length || (op.op !== 'add' && idx >= parent.length))
        throw fail(`index '${last}' is out of range`);
      if (op.op === 'add') parent.splice(idx, 0, clone(op.value));
      else if (op.op === 'replace') parent[idx] = clone(op.value);
      else parent.splice(idx, 1);
      continue;
    }
    const obj = parent as Record<string, unknown>;
    if (op.op !== 'add' && !(last in obj)) throw fail(`can't ${op.op} a non-existent object '${last}'`);
    if (op.op === 'remove') delete obj[last];
    else obj[last] = clone(op.value);
  }
  return out;
}
