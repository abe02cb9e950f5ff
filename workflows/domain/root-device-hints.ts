// Root-device hints: which of a node's disks deploy and erase use (Ironic's properties.root_device).
// A hint is `{key: expression}`; every hint must hold for a disk to match; the first matching disk
// (in the ramdisk's /sys/block order) wins. Expressions follow Ironic (ironic-python-agent's
// device_hints + oslo specs_matcher), case-insensitive, values trimmed:
//   strings (name, serial, wwn, model, vendor, by_path): `abc` (= `s== abc`), `s== abc`, `s!= abc`,
//     `s>= abc`, `s> abc`, `s<= abc`, `s< abc` (lexical), `<in> abc` (substring), `<or> a <or> b`
//   size (GiB, positive integers): `10` (= `== 10`), `== 10`, `!= 10`, `>= 10`, `> 10`, `<= 10`,
//     `< 10`, `= 10` (specs_matcher's `=`: at least), `<or> 10 <or> 20`; a disk's size is bytes / 2^30
//   rotational: true/false (also "yes", "no", "1", "0", "on", "off")
//   name without a leading `/` is a /dev name: `sda` means `/dev/sda`.
// Ironic url-quotes string values before comparing; we compare the plain lower-cased text (the
// same answer for ==, != and <in> on printable ASCII, which is all the ramdisk reports).
//
// The ramdisk (ramdisk/init, `match_root_device`, awk) does the matching on the node; this file is
// the API's validation, the encoding on the kernel command line (`ironflow.root_device=`), and the
// reference the shell is tested against (test/lab/ramdisk-root-device.test.ts).

export const ROOT_DEVICE_HINT_KEYS = ['name', 'size', 'serial', 'wwn', 'model', 'vendor', 'rotational', 'by_path'] as const;
export type RootDeviceHintKey = (typeof ROOT_DEVICE_HINT_KEYS)[number];

/** Operators by the short names they have on the kernel command line. */
const STRING_OPS: Record<string, string> = {
  's==': 'seq',
  's!=': 'sne',
  's>=': 'sge',
  's>': 'sgt',
  's<=': 'sle',
  's<': 'slt',
  '<in>': 'in',
  '<or>': 'or',
};
const NUMBER_OPS: Record<string, string> = {
  '==': 'eq',
  '!=': 'ne',
  '>=': 'ge',
  '>': 'gt',
  '<=': 'le',
  '<': 'lt',
  '=': 'ge',
  '<or>': 'or',
};
const OP_RE = /^(s==|s!=|s>=|s<=|s>|s<|<in>|<or>|==|!=|>=|<=|>|<|=)(?=\s|$)/;
const TRUE = ['true', 'yes', '1', 'on', 'y', 't'];
const FALSE = ['false', 'no', '0', 'off', 'n', 'f'];

/** One parsed hint: `op` is the command-line name (seq, in, ge, or, bool, ...). */
export interface RootDeviceHint {
  key: RootDeviceHintKey;
  op: string;
  values: string[];
}

/** What the ramdisk knows of a disk (its inventory entry): size in bytes, absent facts null. */
export interface DiskFacts {
  name: string;
  size: number;
  model?: string | null;
  vendor?: string | null;
  serial?: string | null;
  wwn?: string | null;
  rotational?: boolean | null;
  by_path?: string | null;
}

const MAX_VALUE = 128;
const PRINTABLE = /^[\x20-\x7e]*$/;

function isKey(k: string): k is RootDeviceHintKey {
  return (ROOT_DEVICE_HINT_KEYS as readonly string[]).includes(k);
}

function parseOne(key: RootDeviceHintKey, raw: unknown): RootDeviceHint | string {
  const where = `properties/root_device/${key}`;
  if (key === 'rotational') {
    const s = String(raw).trim().toLowerCase();
    if (typeof raw === 'boolean' || ((typeof raw === 'string' || typeof raw === 'number') && [...TRUE, ...FALSE].includes(s))) {
      return { key, op: 'bool', values: [TRUE.includes(s) ? 'true' : 'false'] };
    }
    return `${where} must be true or false, not ${JSON.stringify(raw)}.`;
  }
  const numeric = key === 'size';
  if (numeric ? typeof raw !== 'string' && typeof raw !== 'number' : typeof raw !== 'string') {
    return numeric
      ? `${where} must be a size in GiB (e.g. 100) or an expression (e.g. ">= 100"), not ${JSON.stringify(raw)}.`
      : `${where} must be a string (e.g. "s== ABC123" or "ABC123"), not ${JSON.stringify(raw)}.`;
  }
  const expr = String(raw).trim().toLowerCase();
  if (!expr) return `${where} is empty.`;
  if (expr.length > MAX_VALUE || !PRINTABLE.test(expr)) return `${where} must be at most ${MAX_VALUE} printable ASCII characters.`;
  const m = OP_RE.exec(expr);
  const sign = m ? m[1] : numeric ? '==' : 's==';
  const op = (numeric ? NUMBER_OPS : STRING_OPS)[sign];
  if (!op) {
    const allowed = Object.keys(numeric ? NUMBER_OPS : STRING_OPS).join(' ');
    return `${where}: operator ${sign} does not apply to ${numeric ? 'a number' : 'a string'} (use one of ${allowed}).`;
  }
  const values = m ? expr.split(sign).map((v) => v.trim()) : [expr];
  if (m) values.shift(); // the text before the first operator: empty
  if (values.some((v) => v === '') || values.length === 0) return `${where}: "${expr}" has an operator without a value.`;
  if (sign !== '<or>' && values.length > 1) return `${where}: "${expr}" has several values; only <or> takes more than one.`;
  if (numeric && !values.every((v) => /^[0-9]+$/.test(v) && Number(v) > 0)) {
    return `${where}: "${expr}" must compare with whole numbers of GiB above 0.`;
  }
  if (key === 'name' && op !== 'in') return { key, op, values: values.map((v) => (v.startsWith('/') ? v : `/dev/${v}`)) };
  return { key, op, values };
}

/** The hints of `properties.root_device` (absent, null or {} = none), or what is wrong with them. */
export function parseRootDeviceHints(v: unknown): { hints: RootDeviceHint[] } | { problems: string[] } {
  if (v === undefined || v === null) return { hints: [] };
  if (typeof v !== 'object' || Array.isArray(v)) {
    return { problems: [`properties/root_device must be an object of hints (e.g. {"serial": "ABC123"}), not ${JSON.stringify(v)}.`] };
  }
  const problems: string[] = [];
  const hints: RootDeviceHint[] = [];
  for (const [k, raw] of Object.entries(v)) {
    if (!isKey(k)) {
      problems.push(`properties/root_device: unknown hint "${k}"; known hints are ${ROOT_DEVICE_HINT_KEYS.join(', ')}.`);
      continue;
    }
    const h = parseOne(k, raw);
    if (typeof h === 'string') problems.push(h);
    else hints.push(h);
  }
  return problems.length ? { problems } : { hints };
}

/** What is wrong with `properties.root_device` (empty when nothing). */
export function rootDeviceProblems(properties: Record<string, unknown> | undefined): string[] {
  const r = parseRootDeviceHints(properties?.root_device);
  return 'problems' in r ? r.problems : [];
}

function pct(v: string): string {
  return v.replace(/[^A-Za-z0-9._~/-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The value of `ironflow.root_device=` (PROTOCOL.md): `key:op:value[:value...]` per hint, joined by
 * commas, values percent-encoded (printable ASCII only, so one byte per character); '' for no hints.
 */
export function encodeRootDeviceHints(hints: readonly RootDeviceHint[]): string {
  return hints.map((h) => [h.key, h.op, ...h.values.map(pct)].join(':')).join(',');
}

/** The hints as the operator wrote them, for messages: `serial s== abc, size >= 10`. */
export function describeRootDeviceHints(hints: readonly RootDeviceHint[]): string {
  const sign: Record<string, string> = { seq: 's==', sne: 's!=', sge: 's>=', sgt: 's>', sle: 's<=', slt: 's<', in: '<in>' };
  const num: Record<string, string> = { eq: '==', ne: '!=', ge: '>=', gt: '>', le: '<=', lt: '<' };
  return hints
    .map((h) => {
      if (h.op === 'bool') return `${h.key} ${h.values[0]}`;
      if (h.op === 'or') return `${h.key} ${h.values.map((v) => `<or> ${v}`).join(' ')}`;
      return `${h.key} ${sign[h.op] ?? num[h.op]} ${h.values[0]}`;
    })
    .join(', ');
}

function holds(h: RootDeviceHint, d: DiskFacts): boolean {
  if (h.key === 'size') {
    const gib = d.size / 2 ** 30;
    const n = h.values.map(Number);
    switch (h.op) {
      case 'eq':
        return gib === n[0];
      case 'ne':
        return gib !== n[0];
      case 'ge':
        return gib >= n[0];
      case 'gt':
        return gib > n[0];
      case 'le':
        return gib <= n[0];
      case 'lt':
        return gib < n[0];
      case 'or':
        return n.includes(gib);
    }
    return false;
  }
  if (h.key === 'rotational') return d.rotational !== null && d.rotational !== undefined && String(d.rotational) === h.values[0];
  const raw = d[h.key];
  if (raw === null || raw === undefined) return false;
  const v = String(raw).trim().toLowerCase();
  if (v === '') return false;
  const w = h.values[0];
  switch (h.op) {
    case 'seq':
      return v === w;
    case 'sne':
      return v !== w;
    case 'sge':
      return v >= w;
    case 'sgt':
      return v > w;
    case 'sle':
      return v <= w;
    case 'slt':
      return v < w;
    case 'in':
      return v.includes(w);
    case 'or':
      return h.values.includes(v);
  }
  return false;
}

/** The first disk every hint holds for, or undefined. No hints: undefined (the caller's default applies). */
export function matchRootDevice<D extends DiskFacts>(disks: readonly D[], hints: readonly RootDeviceHint[]): D | undefined {
  if (hints.length === 0) return undefined;
  return disks.find((d) => hints.every((h) => holds(h, d)));
}
