// Opens Ironflow's database through Prisma's JS engine and a driver adapter:
// SQLite (better-sqlite3, the embedded default) or PostgreSQL (pg), chosen by the URL.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgresql/client';
import { withConnectionLock } from './connection-lock';

export type Database = SqliteClient;
export type DatabaseProvider = 'sqlite' | 'postgresql';

export function providerOf(url: string): DatabaseProvider {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL ${JSON.stringify(url.split(':')[0])}: use file:PATH (SQLite) or postgresql://...`);
}

/**
 * How long a transaction may wait for its connection, and run. Prisma's defaults (2 s, 5 s) fail
 * transactions on a loaded machine: the SQLite adapter has one connection per process, so a burst
 * of transactions queues behind each other (seen: 100 concurrent ones under a load average of 12).
 */
const TRANSACTIONS = { maxWait: 15_000, timeout: 15_000 };

const PROVIDERS = new WeakMap<object, DatabaseProvider>();

/** The provider of a client openDatabase opened (raw SQL differs between them). */
export function databaseProvider(db: Database): DatabaseProvider {
  const p = PROVIDERS.get(db);
  if (!p) throw new Error('databaseProvider: this client was not opened by openDatabase');
  return p;
}

/** Both generated clients have the same models; the SQLite client's type stands for both. */
export function openDatabase(url: string): Database {
  const db = openClient(url);
  PROVIDERS.set(db, providerOf(url));
  return db;
}

function openClient(url: string): Database {
  if (providerOf(url) === 'sqlite') {
    // SQLite: WAL and a busy timeout let the API and the worker share one file.
    // One connection per process: plain queries wait for it like transactions (connection-lock.ts).
    const adapter = withConnectionLock(new PrismaBetterSQLite3({ url, timeout: 5000 }));
    return retryBusyTransactions(new SqliteClient({ adapter, transactionOptions: TRANSACTIONS }));
  }
  const adapter = new PrismaPg({ connectionString: url, max: 10 });
  return new PostgresClient({ adapter, transactionOptions: TRANSACTIONS }) as unknown as Database;
}

/**
 * SQLite in WAL mode: a transaction that reads and then writes fails at once with
 * SQLITE_BUSY_SNAPSHOT when another connection (the API and the worker are separate
 * processes) committed in between; the busy timeout does not help, since waiting
 * cannot make its snapshot current. Such a transaction rolled back completely, and our
 * transaction bodies only touch the database, so running the whole body again is safe.
 */
export function isSqliteBusy(e: unknown): boolean {
  const text = e instanceof Error ? `${(e as { code?: string }).code ?? ''} ${e.message}` : '';
  return /SQLITE_BUSY|database is locked/.test(text);
}

function retryBusyTransactions(db: SqliteClient): SqliteClient {
  const original = db.$transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  const retrying = async (...args: unknown[]): Promise<unknown> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await original(...args);
      } catch (e) {
        if (attempt >= 10 || !isSqliteBusy(e)) throw e;
        // Jittered backoff, 2 ms doubling to about 0.5 s: the other writer's transaction is short.
        await new Promise((r) => setTimeout(r, Math.random() * 2 ** attempt));
      }
    }
  };
  Object.defineProperty(db, '$transaction', { value: retrying, configurable: true, writable: true });
  return db;
}
