import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * Applies prisma/migrations at start-up, before the server listens. It keeps Prisma's own
 * `_prisma_migrations` bookkeeping (same checksum), so `prisma migrate deploy` and this agree;
 * it exists because the Prisma CLI is slow to spawn and would be spawned on every start.
 */
export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

export function migrateDatabase(databaseFile: string, migrationsDir: string): MigrationReport {
  fs.mkdirSync(path.dirname(databaseFile), { recursive: true, mode: 0o700 });
  const db = new Database(databaseFile);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" TEXT NOT NULL,
      "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL,
      "logs" TEXT,
      "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
    )`);
    const done = db.prepare(`SELECT migration_name, checksum FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
      migration_name: string;
      checksum: string;
    }[];
    const doneByName = new Map(done.map((row) => [row.migration_name, row.checksum]));
    const names = fs
      .readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const applied: string[] = [];
    // A migration that redefines a table (Prisma's way on SQLite) drops the old one: with foreign keys on, that drop
    // would cascade to every row that points at it. They are off while migrating (the pragma is a no-op inside a
    // transaction) and each migration must leave no broken reference before it commits.
    db.pragma('foreign_keys = OFF');
    for (const name of names) {
      const sql = fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const previous = doneByName.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`Migration ${name} was edited after it was applied to ${databaseFile}; add a new migration instead.`);
        }
        continue;
      }
      db.transaction(() => {
        db.exec(sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`Migration ${name} leaves ${broken.length} broken references: ${JSON.stringify(broken.slice(0, 3))}`);
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)`,
        ).run(randomUUID(), checksum, name);
      })();
      applied.push(name);
    }
    db.pragma('foreign_keys = ON');
    return { applied, alreadyApplied: doneByName.size };
  } finally {
    db.close();
  }
}
