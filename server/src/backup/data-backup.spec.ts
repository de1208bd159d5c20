import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backupDataDir, DATABASE_FILE, restoreDataDir } from './data-backup';

/** Another process creating and removing attendees' key files (and their temporary files) as fast as it can. */
const CHURN = `
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[1];
let i = 0;
process.stdout.write('ready\\n');
for (;;) {
  const file = path.join(dir, 'attendee-' + (i % 40) + '.key');
  fs.writeFileSync(file + '.' + process.pid + '.tmp', 'key ' + i, { mode: 0o600 });
  fs.renameSync(file + '.' + process.pid + '.tmp', file);
  if (i % 3 === 0) fs.rmSync(path.join(dir, 'attendee-' + ((i + 20) % 40) + '.key'), { force: true });
  i++;
}`;

const cleanups: (() => void)[] = [];
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((cleanup) => cleanup()),
);

function dataDirWithDatabase(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-spec-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const db = new Database(path.join(dir, DATABASE_FILE));
  db.exec("CREATE TABLE _prisma_migrations (migration_name TEXT, finished_at TEXT); INSERT INTO _prisma_migrations VALUES ('0001_init', 'now');");
  db.close();
  fs.writeFileSync(path.join(dir, 'navigator.secret'), 'a-secret-of-enough-length-for-the-server\n', { mode: 0o600 });
  return dir;
}

describe('backupDataDir while the server adds and removes key files', () => {
  it('every backup completes, holds only whole files and restores', async () => {
    const dataDir = dataDirWithDatabase();
    const churn = spawn(process.execPath, ['-e', CHURN, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => churn.kill('SIGKILL'));
    await new Promise<void>((resolve) => churn.stdout.once('data', () => resolve()));

    const backupsRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-spec-copies-'));
    cleanups.push(() => fs.rmSync(backupsRoot, { recursive: true, force: true }));
    for (let round = 0; round < 25; round++) {
      const destination = path.join(backupsRoot, `copy-${round}`);
      const manifest = await backupDataDir(dataDir, destination);
      const names = Object.keys(manifest.files);
      expect(names).toContain(DATABASE_FILE);
      expect(names).toContain('navigator.secret');
      expect(names.filter((name) => name.endsWith('.tmp'))).toEqual([]);
      for (const name of names.filter((n) => n.startsWith('attendee-'))) expect(fs.readFileSync(path.join(destination, name), 'utf8')).toMatch(/^key \d+$/);
      expect(fs.readdirSync(destination).sort()).toEqual([...names, 'backup-manifest.json'].sort());
    }
    churn.kill('SIGKILL');

    const restoredDir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-backup-spec-restored-'));
    cleanups.push(() => fs.rmSync(restoredDir, { recursive: true, force: true }));
    const report = restoreDataDir(path.join(backupsRoot, 'copy-24'), restoredDir);
    expect(report.restored).toContain('navigator.secret');
    expect((fs.statSync(path.join(restoredDir, 'navigator.secret')).mode & 0o777).toString(8)).toBe('600');
  });
});
