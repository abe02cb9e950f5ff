// Which unique constraint a Prisma write broke (P2002; P2010 from a raw query, prisma/raw-rows.ts), on SQLite and
// PostgreSQL alike; undefined for other errors.
export function uniqueViolation(e: unknown): string[] | undefined {
  const err = e as {
    code?: string;
    meta?: { target?: unknown; driverAdapterError?: { cause?: { kind?: string; constraint?: { fields?: string[] } } } };
  };
  if (err?.code === 'P2010') {
    const cause = err.meta?.driverAdapterError?.cause;
    return cause?.kind === 'UniqueConstraintViolation' ? (cause.constraint?.fields ?? []) : undefined;
  }
  if (err?.code !== 'P2002') return undefined;
  const t = err.meta?.target;
  if (Array.isArray(t)) return t.map(String);
  if (typeof t === 'string') return [t];
  return err.meta?.driverAdapterError?.cause?.constraint?.fields ?? [];
}
