// The README's test command: static checks, then every vitest project, each counted, ending with
// one line "N passed, N failed" that sums them all.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const projects = ['unit', 'integration', 'security', 'browser', 'kit', 'faults', 'systemd'];
const totals = { passed: 0, failed: 0, skipped: 0 };
const rows = [];
const failures = [];

function run(label, command, commandArgs, options = {}) {
  const started = Date.now();
  const result = spawnSync(command, commandArgs, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' }, ...options });
  return { ok: result.status === 0, seconds: ((Date.now() - started) / 1000).toFixed(1) };
}

function staticCheck(label, command, commandArgs) {
  console.log(`\n━━ ${label} ━━`);
  const { ok, seconds } = run(label, command, commandArgs);
  totals[ok ? 'passed' : 'failed'] += 1;
  rows.push([label, ok ? '1 passed' : '1 failed', seconds]);
}

function vitestProject(project) {
  console.log(`\n━━ vitest: ${project} ━━`);
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-vitest-')), 'report.json');
  const { seconds } = run(project, 'npx', [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    '--passWithNoTests',
  ]);
  let passed, failed, skipped;
  try {
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed = json.numPassedTests;
    failed = json.numFailedTests + filesThatFailedToRun(json);
    skipped = json.numPendingTests + (json.numTodoTests ?? 0);
    failures.push(...failedTests(project, json));
  } catch {
    [passed, failed, skipped] = [0, 1, 0]; // no report at all: the run itself broke
  }
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  rows.push([`vitest ${project}`, `${passed} passed, ${failed} failed, ${skipped} skipped`, seconds]);
}

// A file that fails to load (syntax error, a throwing beforeAll) has no failed test; count it once.
function filesThatFailedToRun(json) {
  return json.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed')).length;
}

// The summary is what CI shows last: name each failure there with the first lines of its message.
function failedTests(project, json) {
  const found = [];
  for (const file of json.testResults) {
    const where = path.relative(process.cwd(), file.name);
    const failed = file.assertionResults.filter((t) => t.status === 'failed');
    for (const test of failed) found.push({ project, where, name: test.fullName, message: test.failureMessages?.[0] ?? '' });
    if (file.status === 'failed' && failed.length === 0) found.push({ project, where, name: '(file failed to run)', message: file.message ?? '' });
  }
  return found;
}

function firstLines(message, count) {
  return message
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(0, count)
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
}

if (!only) {
  staticCheck('prisma generate', 'node', ['scripts/prisma.mjs', 'generate']);
  staticCheck('eslint', 'npx', ['eslint', '.', '--max-warnings=0']);
  staticCheck('prettier', 'npx', ['prettier', '--check', '.']);
  staticCheck('tsc (server)', 'npx', ['tsc', '-p', 'server/tsconfig.json', '--noEmit']);
  staticCheck('tsc (tests)', 'npx', ['tsc', '-p', 'test/tsconfig.json']);
  staticCheck('svelte-check (web)', 'npx', ['svelte-check', '--tsconfig', 'web/tsconfig.json', '--fail-on-warnings']);
  staticCheck('build', 'npm', ['run', 'build', '--silent']);
}
for (const project of projects) if (!only || only === project) vitestProject(project);

if (failures.length > 0) {
  console.log('\n━━ failures ━━');
  for (const failure of failures) {
    console.log(`✗ [${failure.project}] ${failure.where} › ${failure.name}`);
    for (const line of firstLines(failure.message, 6)) console.log(`    ${line}`);
  }
}
console.log('\n━━ summary ━━');
for (const [label, counts, seconds] of rows) console.log(`${label.padEnd(22)} ${counts.padEnd(36)} ${seconds}s`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 ? 0 : 1);
