import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { workshopJsonSchema } from '../workshops/workshop.json-schema';
import { main } from './navigator';
import { formatTable, parseVm } from './try';

const CHECKS = path.resolve(__dirname, '../../../checks');
const run = async (...args: string[]) => {
  const lines: string[] = [];
  const code = await main(args, (line) => lines.push(line));
  return { code, output: lines.join('\n') };
};
const file = (text: string) => {
  const name = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-cli-')), 'workshop.yaml');
  fs.writeFileSync(name, text);
  return name;
};

describe('navigator validate', () => {
  it('passes every workshop shipped in checks/', async () => {
    const files = fs
      .readdirSync(CHECKS)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.join(CHECKS, f));
    const { code, output } = await run('validate', ...files);
    expect(output).not.toContain('›');
    expect(code).toBe(0);
  });

  it('reports shell syntax, undefined values and structure with file › step › check › field, and fails', async () => {
    const broken = file(
      [
        'version: 2',
        'id: broken',
        'title: Broken',
        'steps:',
        '  - id: one',
        '    title: One',
        '    minutes: 5',
        '    checks:',
        '      - { id: syntax, title: S, ssh: { run: "if true; then echo" } }',
        '      - { id: fine, title: F, ssh: { run: "echo ${attendee.pw}" } }',
      ].join('\n'),
    );
    expect(await run('validate', broken)).toEqual({
      code: 1,
      output: 'workshop.yaml › step 1 (one) › check 2 (fine) › ssh.run: ${attendee.pw} is not defined (declare it under "attendeeValues")',
    });
    fs.writeFileSync(broken, fs.readFileSync(broken, 'utf8').replace('${attendee.pw}', 'ok'));
    const { code, output } = await run('validate', broken);
    expect(code).toBe(1);
    expect(output).toMatch(/^workshop\.yaml › step 1 \(one\) › check 1 \(syntax\) › ssh\.run: sh -n: .*(end of file|unexpected)/);
  });

  it('lists the missing translations with file › step › check › field, as warnings: the exit status does not change', async () => {
    const lines = [
      'version: 2',
      'id: multi',
      'title: { en: Multi, ja: マルチ }',
      'seat: { label: { ja: 席 } }',
      'steps:',
      '  - id: one',
      '    title: { en: One }',
      '    minutes: 5',
      '    hint: Plain text is for every reader',
      '    checks:',
      '      - { id: c, title: C, failure: { ja: だめです }, ssh: { run: "true" } }',
    ];
    const multi = file(lines.join('\n'));
    expect(await run('validate', multi)).toEqual({
      code: 0,
      output: [
        'workshop.yaml: valid (format version 2, 1 steps, 1 checks)',
        'workshop.yaml: 3 texts lack a translation (warnings, not errors: the exit status does not change; a reader of a missing language sees the en text, else the one given):',
        '  workshop.yaml › seat.label: no en',
        '  workshop.yaml › step 1 (one) › title: no ja',
        '  workshop.yaml › step 1 (one) › check 1 (c) › failure: no en',
      ].join('\n'),
    });
    // A file with problems still fails for them, and still lists what is missing.
    fs.writeFileSync(multi, [...lines, '      - { id: d, title: D, ssh: { run: "if true; then" } }'].join('\n'));
    const { code, output } = await run('validate', multi);
    expect(code).toBe(1);
    expect(output).toMatch(/^workshop\.yaml › step 1 \(one\) › check 2 \(d\) › ssh\.run: sh -n: /);
    expect(output).toContain('workshop.yaml: 3 texts lack a translation');
    // Every text in both languages: nothing listed.
    fs.writeFileSync(multi, lines.join('\n').replace('{ ja: 席 }', '{ en: Seat, ja: 席 }').replace('{ en: One }', 'One').replace('{ ja: だめです }', 'No'));
    expect(await run('validate', multi)).toEqual({ code: 0, output: 'workshop.yaml: valid (format version 2, 1 steps, 1 checks)' });
  });

  it('the shipped ebpf-php workshop has every text in English and Japanese', async () => {
    const { output } = await run('validate', path.join(CHECKS, 'ebpf-php.yaml'));
    expect(output).toMatch(/^ebpf-php\.yaml: valid \(format version 2, \d+ steps, \d+ checks\)$/);
  });

  it('without a file or with an unknown command: usage, status 2', async () => {
    expect((await run('validate')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
  });
});

describe('navigator try, the parts without a VM', () => {
  it('reads user@host[:port]', () => {
    expect(parseVm('debian@203.0.113.7')).toEqual({ user: 'debian', host: '203.0.113.7', port: 22 });
    expect(parseVm('ubuntu@vm.example.org:2222')).toEqual({ user: 'ubuntu', host: 'vm.example.org', port: 2222 });
    expect(parseVm('u@[2001:db8::7]:22')).toEqual({ user: 'u', host: '2001:db8::7', port: 22 });
    expect(parseVm('vm.example.org')).toBeNull();
    expect(parseVm('u@h:70000')).toBeNull();
  });

  it('prints a table: step, check, status, reason, time', () => {
    expect(
      formatTable([
        { step: 'one', check: 'a', result: { checkId: 'a', status: 'pass', reason: null, output: null }, ms: 12 },
        {
          step: 'one',
          check: 'longer',
          result: { checkId: 'longer', status: 'fail', reason: { code: 'check.exit_code_output', values: { exitCode: 1, output: 'oops' } }, output: null },
          ms: 3,
        },
      ]),
    ).toBe(
      [
        'STEP  CHECK   STATUS  REASON              TIME',
        'one   a       pass                       12 ms',
        'one   longer  fail    exit code 1: oops   3 ms',
      ].join('\n'),
    );
  });

  it('refuses a malformed --vm', async () => {
    expect(await run('try', 'x.yaml', '--vm', 'nohost')).toEqual({ code: 2, output: '--vm nohost: expected USER@HOST[:PORT]' });
  });
});

describe('the JSON Schema', () => {
  it('checks/workshop.schema.json is the one generated from the zod schema (npx navigator schema > checks/workshop.schema.json)', () => {
    expect(JSON.parse(fs.readFileSync(path.join(CHECKS, 'workshop.schema.json'), 'utf8'))).toEqual(workshopJsonSchema());
  });

  it('every workshop file references it for editors', () => {
    for (const name of fs.readdirSync(CHECKS).filter((f) => f.endsWith('.yaml'))) {
      expect(fs.readFileSync(path.join(CHECKS, name), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./workshop.schema.json');
    }
  });
});
