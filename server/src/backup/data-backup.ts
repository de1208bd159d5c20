import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PID_FILE, runningServerPid } from './pid-file';

/**
 * Backup and restore of Navigator's data directory. The database is copied with SQLite's online
 * backup API (a consistent snapshot; the server keeps writing meanwhile), the other files (navigator
 * secret, attendees' SSH keys) as they are, and a manifest records a checksum of each.
 */
export const DATABASE_FILE = 'navigator.db';
export const MANIFEST_FILE = 'backup-manifest.json';
const DATABASE_COMPANIONS = ['-wal', '-shm', '-journal'].map((suffix) => DATABASE_FILE + suffix);

export interface BackupManifest {
  format: 1;
  createdAt: string;
  sourceDir: string;
  /** File name → sha256 of its content, the database included. */
  files: Record<string, string>;
  migrations: string[];
}

export class BackupError extends Error {}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Files being written (`*.tmp`, dot files) are not state yet: the server renames them into place when done. */
function plainFiles(dataDir: string): string[] {
  return fs
    .readdirSync(dataDir, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isFile() &&
        entry.name !== DATABASE_FILE &&
        entry.name !== PID_FILE &&
        !DATABASE_COMPANIONS.includes(entry.name) &&
        !entry.name.startsWith('.') &&
        !entry.name.endsWith('.tmp'),
    )
    .map((entry) => entry.name)
    .sort();
}

/** Copies `name` keeping its mode; false when it was removed meanwhile (an attendee removed while the backup runs). */
function copyIfPresent(dataDir: string, destination: string, name: string): boolean {
  const from = path.join(dataDir, name);
  const to = path.join(destination, name);
  try {
    const { mode } = fs.statSync(from);
    fs.copyFileSync(from, to);
    fs.chmodSync(to, mode & 0o777);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fs.rmSync(to, { force: true });
    return false;
  }
}

function checkIntegrity(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const problems = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).filter((r) => r !== 'ok');
    const migrations = (
      db.prepare('SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name').all() as { migration_name: string }[]
    ).map((row) => row.migration_name);
    if (problems.length > 0) throw new BackupError(`${file} fails SQLite's integrity check: ${problems.slice(0, 3).join('; ')}`);
    return migrations;
  } finally {
    db.close();
  }
}

/** Copies the data directory to `destination` (a new directory) while the server may be running. */
export async function backupDataDir(dataDir: string, destination: string, now = new Date()): Promise<BackupManifest> {
  const source = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(source)) throw new BackupError(`${source} does not exist: is NAVIGATOR_DATA_DIR right?`);
  if (fs.existsSync(destination) && fs.readdirSync(destination).length > 0)
    throw new BackupError(`${destination} exists and is not empty; choose a new directory`);
  fs.mkdirSync(destination, { recursive: true, mode: 0o700 });

  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    // One step after the first: the whole copy under one read snapshot. In small steps, every write of
    // the running server in between would restart the copy, and under steady load it might never end.
    await db.backup(path.join(destination, DATABASE_FILE), { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(path.join(destination, DATABASE_FILE));
  copy.pragma('journal_mode = DELETE');
  copy.close();
  const migrations = checkIntegrity(path.join(destination, DATABASE_FILE));

  // One listing: the server keeps creating and removing attendees' key files while this runs.
  const copied = plainFiles(dataDir).filter((name) => copyIfPresent(dataDir, destination, name));
  const files = Object.fromEntries([DATABASE_FILE, ...copied].map((name) => [name, sha256(path.join(destination, name))]));
  const manifest: BackupManifest = { format: 1, createdAt: now.toISOString(), sourceDir: path.resolve(dataDir), files, migrations };
  fs.writeFileSync(path.join(destination, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
  return manifest;
}

export interface RestoreReport {
  restored: string[];
  /** Where the files that were in the data directory before went (nothing is deleted). */
  previous: string | null;
}

/** Puts a backup in place as the data directory. The server must be stopped. */
export function restoreDataDir(backupDir: string, dataDir: string, now = new Date()): RestoreReport {
  const pid = runningServerPid(dataDir);
  if (pid !== null) throw new BackupError(`Navigator (pid ${pid}) is running on ${dataDir}: stop it before restoring`);
  const manifestFile = path.join(backupDir, MANIFEST_FILE);
  if (!fs.existsSync(manifestFile)) throw new BackupError(`${backupDir} has no ${MANIFEST_FILE}: not a Navigator backup`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as BackupManifest;
  for (const [name, checksum] of Object.entries(manifest.files)) {
    const file = path.join(backupDir, name);
    if (!fs.existsSync(file) || sha256(file) !== checksum) throw new BackupError(`${file} is missing or changed since the backup was taken`);
  }
  checkIntegrity(path.join(backupDir, DATABASE_FILE));

  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const present = fs.readdirSync(dataDir, { withFileTypes: true }).filter((entry) => entry.isFile() && entry.name !== PID_FILE);
  let previous: string | null = null;
  if (present.length > 0) {
    previous = path.join(dataDir, `pre-restore-${now.toISOString().replace(/[:.]/g, '-')}`);
    fs.mkdirSync(previous, { mode: 0o700 });
    for (const entry of present) fs.renameSync(path.join(dataDir, entry.name), path.join(previous, entry.name));
  }
  const restored = Object.keys(manifest.files);
  for (const name of restored) {
    const from = path.join(backupDir, name);
    const temporary = path.join(dataDir, `.${name}.restoring`);
    fs.copyFileSync(from, temporary);
    fs.chmodSync(temporary, fs.statSync(from).mode & 0o777);
    fs.renameSync(temporary, path.join(dataDir, name));
  }
  return { restored, previous };
}
