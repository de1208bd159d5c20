// What `npm run build` and `npm start` share: which files a build is made from, the stamp a build
// leaves in dist/, and what counts as a warning in a build's output. Plain Node, no dependencies,
// so `npm start` can decide without loading TypeScript or Vite.
//
// As a command (used by the tests): node scripts/build-lib.mjs status|stamp [root] | scan < output
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders and files a build is made from, relative to the repository root. */
export const BUILD_INPUTS = [
  'server/src',
  'web',
  'prisma/schema.prisma',
  'package-lock.json',
  'tsconfig.base.json',
  'scripts/build.mjs',
  'scripts/build-lib.mjs',
];
const SKIPPED = new Set(['generated', 'node_modules', '.vite']);
export const STAMP_FILE = 'dist/build-stamp.json';

function listFiles(root, relative) {
  const full = path.join(root, relative);
  let stat;
  try {
    stat = fs.statSync(full);
  } catch {
    return [];
  }
  if (stat.isFile()) return [relative];
  const files = [];
  for (const entry of fs.readdirSync(full, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name) || entry.name.endsWith('.spec.ts')) continue;
    const child = path.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...listFiles(root, child));
    else if (entry.isFile()) files.push(child);
  }
  return files;
}

/** A hash of every input's path and content: a checkout that only touches mtimes changes nothing. */
export function inputsHash(root) {
  const hash = createHash('sha256');
  const files = BUILD_INPUTS.flatMap((input) => listFiles(root, input)).sort();
  for (const file of files) {
    hash.update(file.split(path.sep).join('/') + '\0');
    hash.update(fs.readFileSync(path.join(root, file)));
    hash.update('\0');
  }
  return { hash: hash.digest('hex'), files: files.length };
}

/** 'current' when dist/ holds a build of exactly these inputs, else why not. */
export function buildStatus(root) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP_FILE), 'utf8'));
  } catch {
    return { current: false, reason: 'no build yet' };
  }
  for (const output of ['dist/server/main.js', 'dist/web/index.html', 'dist/web/export/retrospective.js']) {
    if (!fs.existsSync(path.join(root, output))) return { current: false, reason: `${output} is missing` };
  }
  const { hash } = inputsHash(root);
  if (stamp.inputs !== hash) return { current: false, reason: 'sources changed since the last build' };
  return { current: true, reason: `built ${stamp.builtAt}` };
}

export function writeStamp(root) {
  const { hash, files } = inputsHash(root);
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(root, STAMP_FILE), JSON.stringify({ inputs: hash, files, builtAt: new Date().toISOString() }, null, 2) + '\n');
}

// Vite marks warnings with "(!)", Rolldown with its code in brackets ("[PLUGIN_TIMINGS] …"); tsc, Prisma and npm
// with "warn"/"warning"; Node with "Warning:".
const WARNING = /(^|\s)\(!\)|^\s*\[[A-Z][A-Z_]+\]\s|\bwarn(ing)?\b|DeprecationWarning|ExperimentalWarning/i;

/** The lines of a build's output that are warnings. */
export function warningLines(output) {
  return output.split(/\r?\n/).filter((line) => WARNING.test(line));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [command, root = process.cwd()] = process.argv.slice(2);
  if (command === 'status') {
    const status = buildStatus(root);
    console.log(JSON.stringify(status));
    process.exit(status.current ? 0 : 1);
  } else if (command === 'stamp') {
    writeStamp(root);
  } else if (command === 'scan') {
    const lines = warningLines(fs.readFileSync(0, 'utf8'));
    for (const line of lines) console.log(line);
    process.exit(lines.length === 0 ? 0 : 1);
  } else {
    console.error('usage: build-lib.mjs status|stamp [root] | scan < output');
    process.exit(2);
  }
}
