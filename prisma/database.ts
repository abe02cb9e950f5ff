// Opens Ironflow's database through Prisma's JS engine and a driver adapter:
// SQLite (better-sqlite3, the embedded default) or PostgreSQL (pg), chosen by the URL.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { PrismaClient as PostgresClient } from './generated/postgresql/client';

export type Database = SqliteClient;
export type DatabaseProvider = 'sqlite' | 'postgresql';

export function providerOf(url: string): DatabaseProvider {
  if (url.startsWith('file:')) return 'sqlite';
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgresql';
  throw new Error(`Unsupported DATABASE_URL ${JSON.stringify(url.split(':')[0])}: use file:PATH (SQLite) or postgresql://...`);
}

/** Both generated clients have the same models; the SQLite client's type stands for both. */
export function openDatabase(url: string): Database {
  if (providerOf(url) === 'sqlite') {
    // SQLite: WAL and a busy timeout let the API and the worker share one file.
    const adapter = new PrismaBetterSQLite3({ url, timeout: 5000 });
    return new SqliteClient({ adapter });
  }
  const adapter = new PrismaPg({ connectionString: url, max: 10 });
  return new PostgresClient({ adapter }) as unknown as Database;
}
