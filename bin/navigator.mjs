#!/usr/bin/env node
// `npx navigator …`: the workshop author's command line (server/src/cli/navigator.ts). From the sources through tsx
// where it is installed (a clone with dev dependencies), else from the build (dist/).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
let args;
try {
  require.resolve('tsx', { paths: [root] });
  args = ['--import', 'tsx', path.join(root, 'server/src/cli/navigator.ts')];
} catch {
  const built = path.join(root, 'dist/server/cli/navigator.js');
  if (!existsSync(built)) {
    console.error('navigator: build first (npm run build), or install the dev dependencies');
    process.exit(2);
  }
  args = [built];
}
const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
// Ctrl-C and a service manager's stop reach the command itself (try --watch runs until stopped).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
