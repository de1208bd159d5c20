import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

// The Prisma CLI's view of the database: the same file the server opens (NAVIGATOR_DATA_DIR, default ./data).
const url = `file:${path.resolve(process.env.NAVIGATOR_DATA_DIR ?? 'data', 'navigator.db')}`;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaBetterSQLite3({ url }),
});
