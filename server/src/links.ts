import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { deriveProjectorToken } from './auth/auth.secrets';
import { ConfigError, loadConfig } from './config/app.config';
import { loadWorkshopFile } from './workshops/workshop.loader';

/**
 * `npm run links`: prints the sign-in and join links of the Navigator whose data directory the
 * environment names (the same variables as the server). The server never logs them.
 */
function main(): void {
  const config = loadConfig();
  const secretFile = path.join(config.dataDir, 'navigator.secret');
  if (!fs.existsSync(secretFile)) throw new ConfigError(`${secretFile} does not exist: start Navigator once with this NAVIGATOR_DATA_DIR first`);
  const secret = fs.readFileSync(secretFile, 'utf8').trim();
  const { definition } = loadWorkshopFile(config.workshopFile);
  const db = new Database(config.databaseFile, { readonly: true, fileMustExist: true });
  const row = db.prepare('SELECT joinCode FROM Workshop WHERE id = ?').get(definition.id) as { joinCode: string } | undefined;
  db.close();
  const base = config.publicUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
  console.log(`Navigator (keep it secret):  ${base}/auth/navigator?token=${secret}`);
  console.log(`Projector (read-only board): ${base}/auth/projector?token=${deriveProjectorToken(secret)}`);
  console.log(`Attendees join at:           ${row ? `${base}/join/${row.joinCode}` : '(start Navigator with this workshop first)'}`);
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
}
