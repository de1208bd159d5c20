// `npm start`: runs the built app, building first only when dist/ is missing or older than the
// sources (by content hash, see build-lib.mjs). A server restarted by systemd starts in a second.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildStatus } from './build-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const status = buildStatus(root);
if (!status.current) {
  console.log(`Building Navigator (${status.reason})…`);
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(pathToFileURL(path.join(root, 'dist/server/main.js')).href);
