// A Temporal workflow history as searchable text, to prove a secret is not in it.
// fetchHistory's JSON gives payload bytes as base64 strings, and the base64 of a
// secret inside a larger payload depends on its offset: searching the JSON alone
// finds nothing. So every base64-looking string (and any raw byte array) is decoded
// and appended.
export function historyText(history: unknown): string {
  const decoded: string[] = [];
  const json = JSON.stringify(history, (_k, v: unknown) => {
    if (typeof v === 'string' && v.length >= 8 && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) decoded.push(Buffer.from(v, 'base64').toString('utf8'));
    const bytes =
      v instanceof Uint8Array
        ? v
        : (v as { type?: string })?.type === 'Buffer'
          ? Uint8Array.from((v as { data: number[] }).data)
          : undefined;
    if (bytes) decoded.push(Buffer.from(bytes).toString('utf8'));
    return v;
  });
  return `${json}\n${decoded.join('\n')}`;
}
