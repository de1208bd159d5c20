// `npm run build`: Prisma client, server (tsc), web app (Vite), then a stamp of the inputs in dist/ so
// `npm start` knows the build is current. A build that prints a warning fails: warnings that nobody
// reads pile up, so the first one is stopped here (and in CI, which runs this build).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { warningLines, writeStamp } from './build-lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const steps = [
  ['Prisma client', process.execPath, [path.join(root, 'scripts/prisma.mjs'), 'generate']],
  ['server', bin('tsc'), ['-p', 'server/tsconfig.build.json']],
  ['web app', bin('vite'), ['build', '--config', 'web/vite.config.mts', '--logLevel', 'warn']],
  // After the web app, whose build empties dist/web: the retrospective report the HTML export inlines.
  ['report bundle', bin('vite'), ['build', '--config', 'web/vite.export.config.mts', '--logLevel', 'warn']],
];

const warnings = [];
for (const [label, command, args] of steps) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    process.stdout.write(output);
    console.error(`build: ${label} failed${result.error ? `: ${result.error.message}` : ''}`);
    process.exit(1);
  }
  for (const line of warningLines(output)) warnings.push(`${label}: ${line}`);
  console.log(`build: ${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
if (warnings.length > 0) {
  console.error(`build: ${warnings.length} warning(s); a clean build prints none:\n${warnings.join('\n')}`);
  process.exit(1);
}
writeStamp(root);
