// Prisma CLI configuration: JS engine with driver adapters, so nothing is downloaded.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: path.join('prisma', 'schema.prisma'),
  adapter: async () => new PrismaBetterSQLite3({ url: process.env.PRISMA_SQLITE_URL ?? 'file:./.data/prisma-cli.db' }),
});
