import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The navigator secret lives in the data directory (mode 0600), beside the SSH key; the projector
 * token is derived from it, so rotating the secret (delete the file) revokes both.
 */
export function loadOrCreateNavigatorSecret(dataDir: string): string {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'navigator.secret');
  try {
    const secret = fs.readFileSync(file, 'utf8').trim();
    fs.chmodSync(file, 0o600);
    if (secret.length >= 32) return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export function deriveProjectorToken(navigatorSecret: string): string {
  return createHmac('sha256', navigatorSecret).update('projector').digest('base64url');
}
