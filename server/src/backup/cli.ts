import path from 'node:path';
import { ConfigError, loadConfig } from '../config/app.config';
import { BackupError, backupDataDir, restoreDataDir } from './data-backup';

/**
 * `npm run backup [-- DIR]`: a consistent copy of the data directory, safe while Navigator runs.
 * `npm run restore -- DIR`: puts a backup in place (Navigator stopped); the files it replaces are kept.
 * The data directory is NAVIGATOR_DATA_DIR, as for the server.
 */
async function main(): Promise<void> {
  const [command, target] = process.argv.slice(2);
  const { dataDir } = loadConfig();
  switch (command) {
    case 'backup': {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const destination = path.resolve(target ?? `backups/navigator-${stamp}`);
      const manifest = await backupDataDir(dataDir, destination);
      console.log(`Backed up ${dataDir} to ${destination}: ${Object.keys(manifest.files).join(', ')}`);
      return;
    }
    case 'restore': {
      if (!target) throw new BackupError('usage: npm run restore -- BACKUP_DIR');
      const report = restoreDataDir(path.resolve(target), dataDir);
      console.log(`Restored ${report.restored.join(', ')} into ${dataDir}${report.previous ? `; the files it replaced are in ${report.previous}` : ''}`);
      return;
    }
    default:
      throw new BackupError('usage: npm run backup [-- BACKUP_DIR] | npm run restore -- BACKUP_DIR');
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof BackupError || error instanceof ConfigError ? 2 : 1);
});
