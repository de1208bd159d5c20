import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkshopFile, parseWorkshop, WorkshopFileError } from './workshop.loader';

const minimal = `
id: demo
title: Demo
steps:
  - id: first
    title: First
    minutes: 5
    checks:
      - id: file-exists
        title: The file exists
        ssh: { run: "test -f ~/done" }
`;

function problemsOf(text: string): string {
  try {
    parseWorkshop(text, 'broken.yaml');
  } catch (error) {
    if (error instanceof WorkshopFileError) return error.message;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('workshop files', () => {
  it('accepts a minimal file and hashes its definition', () => {
    const loaded = parseWorkshop(minimal, 'demo.yaml');
    const check = loaded.definition.steps[0].checks[0];
    expect(check.kind === 'ssh' && check.ssh.run).toBe('test -f ~/done');
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(parseWorkshop(minimal.replace('title: Demo', 'title:   Demo'), 'x.yaml').hash).toBe(loaded.hash);
  });

  it('loads every workshop shipped in checks/', () => {
    const dir = path.resolve(__dirname, '../../../checks');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('ebpf-php.yaml');
    for (const file of files) expect(() => loadWorkshopFile(path.join(dir, file))).not.toThrow();
  });

  const malformed: [string, string, RegExp][] = [
    ['YAML syntax error', 'id: demo\ntitle: [unclosed', /broken\.yaml.*line \d+/s],
    ['duplicate YAML key', minimal + 'title: Again\n', /line \d+, column \d+: Map keys must be unique/],
    ['not a mapping', '- just\n- a list\n', /top level: Invalid input: expected object/],
    ['missing steps', 'id: demo\ntitle: Demo\n', /steps: Invalid input: expected array/],
    ['bad workshop id', minimal.replace('id: demo', 'id: Demo Workshop'), /id: use lowercase letters/],
    ['unknown top-level field', minimal + 'colour: blue\n', /top level: Unrecognized key: "colour"/],
    ['step without minutes', minimal.replace('    minutes: 5\n', ''), /step 1 \(first\) › minutes: Invalid input: expected number/],
    ['negative minutes', minimal.replace('minutes: 5', 'minutes: -5'), /step 1 \(first\) › minutes: Too small/],
    [
      'check with no kind',
      minimal.replace('        ssh: { run: "test -f ~/done" }\n', ''),
      /step 1 \(first\) › check 1 \(file-exists\): a check needs exactly one kind/,
    ],
    [
      'check with two kinds',
      minimal.replace('ssh: { run: "test -f ~/done" }', 'ssh: { run: "true" }\n        http: { port: 80 }'),
      /check 1 \(file-exists\): a check has exactly one kind, found ssh and http/,
    ],
    ['port out of range', minimal.replace('ssh: { run: "test -f ~/done" }', 'http: { port: 70000 }'), /check 1 \(file-exists\) › http\.port: Too big/],
    [
      'invalid regex',
      minimal.replace('ssh: { run: "test -f ~/done" }', 'ssh: { run: "true", stdout: "([" }'),
      /check 1 \(file-exists\) › ssh\.stdout: not a valid regular expression/,
    ],
    [
      'unknown check field',
      minimal.replace('ssh: { run: "test -f ~/done" }', 'ssh: { run: "true", become: true }'),
      /check 1 \(file-exists\) › ssh: Unrecognized key: "become"/,
    ],
    [
      'duplicate check id across steps',
      minimal + '  - id: second\n    title: Second\n    minutes: 1\n    checks:\n      - id: file-exists\n        title: Again\n        ssh: { run: "true" }\n',
      /step 2 \(second\) › check 1 \(file-exists\) › id: duplicate check id "file-exists"/,
    ],
    [
      'bad promql compare op',
      minimal.replace('ssh: { run: "test -f ~/done" }', 'promql: { query: up, expect: { op: "=~", value: 1 } }'),
      /promql\.expect\.op: Invalid option/,
    ],
    [
      'bad metric name',
      minimal.replace('ssh: { run: "test -f ~/done" }', 'http: { port: 9435, metric: { name: "1bad" } }'),
      /http\.metric\.name: not a Prometheus metric name/,
    ],
  ];

  it.each(malformed)('refuses %s with a message naming where', (_label, text, expected) => {
    const message = problemsOf(text);
    expect(message).toMatch(/^broken\.yaml is not a valid workshop file/);
    expect(message).toMatch(expected);
  });

  it('refuses a missing file and an oversized file', () => {
    expect(() => loadWorkshopFile('/nonexistent/w.yaml')).toThrow(/w\.yaml.*no such file/s);
    const big = path.join(fs.mkdtempSync('/tmp/nav-ws-'), 'big.yaml');
    fs.writeFileSync(big, 'x'.repeat(1024 * 1024 + 1));
    expect(() => loadWorkshopFile(big)).toThrow(/limit is 1048576/);
  });
});
