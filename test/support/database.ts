// A fresh, migrated database per test stack: a SQLite file in a temp dir, or, when
// IRONFLOW_TEST_DATABASE_URL names a PostgreSQL server, a new database on it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '#prisma/migrate';
import { repoRoot } from '#apps/shared/repo-root';

export interface TestDatabase {
  url: string;
  provider: 'sqlite' | 'postgresql';
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = process.env.IRONFLOW_TEST_DATABASE_URL;
  if (admin && /^postgres(ql)?:/.test(admin)) {
    const name = `ironflow_test_${crypto.randomBytes(6).toString('hex')}`;
    const c = new Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    const url = u.toString();
    await migrate(url, repoRoot());
    return {
      url,
      provider: 'postgresql',
      async drop() {
        const d = new Client({ connectionString: admin });
        await d.connect();
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await d.end();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ironflow-db-'));
  const url = `file:${path.join(dir, 'ironflow.db')}`;
  await migrate(url, repoRoot());
  return { url, provider: 'sqlite', drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}
