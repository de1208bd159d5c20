import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = path.resolve(__dirname, '../../scripts/build-lib.mjs');

function lib(command: string, root: string, input?: string): { code: number | null; out: string } {
  const result = spawnSync(process.execPath, [LIB, command, root], { encoding: 'utf8', input });
  return { code: result.status, out: result.stdout };
}

function project(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-stamp-'));
  const files: Record<string, string> = {
    'server/src/main.ts': 'console.log(1);\n',
    'web/src/App.svelte': '<p>hi</p>\n',
    'prisma/schema.prisma': 'model A { id Int @id }\n',
    'package-lock.json': '{}\n',
    'dist/server/main.js': '',
    'dist/web/index.html': '',
    'dist/web/export/retrospective.js': '',
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

// Each test runs the stamp script as a process (a few hundred ms idle, seconds on a busy machine).
describe('build stamp (what npm start decides on)', { timeout: 60_000 }, () => {
  it('a tree never built needs a build', () => {
    const result = lib('status', project());
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toEqual({ current: false, reason: 'no build yet' });
  });

  it('is current after a build, and stays current when only mtimes change', () => {
    const root = project();
    lib('stamp', root);
    expect(lib('status', root).code).toBe(0);
    const future = new Date(Date.now() + 3600_000);
    fs.utimesSync(path.join(root, 'server/src/main.ts'), future, future);
    expect(lib('status', root).code).toBe(0);
  });

  it.each(['server/src/main.ts', 'web/src/App.svelte', 'prisma/schema.prisma', 'package-lock.json'])('a changed %s needs a build', (file) => {
    const root = project();
    lib('stamp', root);
    fs.appendFileSync(path.join(root, file), '// changed\n');
    const result = lib('status', root);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toMatchObject({ reason: 'sources changed since the last build' });
  });

  it('a new source file needs a build; a missing output too', () => {
    const root = project();
    lib('stamp', root);
    fs.writeFileSync(path.join(root, 'server/src/extra.ts'), 'export {};\n');
    expect(lib('status', root).code).toBe(1);
    lib('stamp', root);
    fs.rmSync(path.join(root, 'dist/web/index.html'));
    expect(JSON.parse(lib('status', root).out)).toMatchObject({ current: false, reason: 'dist/web/index.html is missing' });
  });
});

describe('build warnings (a clean build prints none)', () => {
  it("flags Vite's configLoader warning and tool warnings, not a clean build's lines", () => {
    const noisy = [
      'vite v8.3.8 building client environment for production...',
      "(!) Your Vite config uses features that are unsupported by `configLoader: 'native'`",
      'npm warn config production Use `--omit=dev` instead.',
      '(node:12) ExperimentalWarning: CommonJS module loading ES Module',
      '[PLUGIN_TIMINGS] JavaScript callbacks ran for 12.8s of this 15.7s build (82%).',
      '✓ built in 895ms',
    ].join('\n');
    const result = lib('scan', '.', noisy);
    expect(result.code).toBe(1);
    expect(result.out.trim().split('\n')).toHaveLength(4);
    expect(lib('scan', '.', 'build: server done in 5.1 s\n✓ 178 modules transformed.\n').code).toBe(0);
  });
});
