// Applies prisma/migrations/<provider>/*/migration.sql in order and records each
// in _ironflow_migrations. One small runner for both providers: Prisma's own
// `migrate deploy` needs the schema engine, which this deployment mode avoids.
import fs from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { Client } from 'pg';
import { providerOf } from './database';

export function migrationsDir(root: string, provider: 'sqlite' | 'postgresql'): string {
  return path.join(root, 'prisma', 'migrations', provider);
}

function listMigrations(dir: string): { name: string; sql: string }[] {
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, 'migration.sql')))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') }));
}

export function sqlitePath(url: string): string {
  return url.replace(/^file:/, '').split('?')[0];
}

/** Returns the names of the migrations it applied (empty when up to date). */
export async function migrate(url: string, root: string): Promise<string[]> {
  const provider = providerOf(url);
  const all = listMigrations(migrationsDir(root, provider));
  const applied: string[] = [];
  if (provider === 'sqlite') {
    const file = sqlitePath(url);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const db = new Sqlite(file);
    try {
      db.pragma('journal_mode = WAL');
      db.exec('CREATE TABLE IF NOT EXISTS _ironflow_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      const done = new Set(
        db
          .prepare('SELECT name FROM _ironflow_migrations')
          .all()
          .map((r) => (r as { name: string }).name),
      );
      for (const m of all) {
        if (done.has(m.name)) continue;
        db.transaction(() => {
          db.exec(m.sql);
          db.prepare('INSERT INTO _ironflow_migrations (name, applied_at) VALUES (?, ?)').run(m.name, new Date().toISOString());
        })();
        applied.push(m.name);
      }
    } finally {
      db.close();
    }
    return applied;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // One migrator at a time, even with several API/worker replicas starting together.
    await client.query('SELECT pg_advisory_lock(4242)');
    await client.query('CREATE TABLE IF NOT EXISTS _ironflow_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)');
    const res = await client.query<{ name: string }>('SELECT name FROM _ironflow_migrations');
    const done = new Set(res.rows.map((r) => r.name));
    for (const m of all) {
      if (done.has(m.name)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO _ironflow_migrations (name, applied_at) VALUES ($1, now())', [m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
      applied.push(m.name);
    }
  } finally {
    await client.end();
  }
  return applied;
}
