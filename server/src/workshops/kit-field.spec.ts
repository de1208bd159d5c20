import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kitLinks } from '../kit/kit-links';
import { loadWorkshopFile, WorkshopFileError } from './workshop.loader';
import { substituteVars, workshopSchema, type WorkshopDefinition } from './workshop.schema';

const KIT = { include: ['bpf', 'php-sample'], lock: 'bpf/kit.lock', source: 'bpf/kit.source' };
const step = (fields: Record<string, unknown> = {}, check: Record<string, unknown> = {}) => ({
  id: 'packages',
  title: 'Packages',
  minutes: 5,
  checks: [{ id: 'c', title: 'C', ssh: { run: 'true' }, ...check }],
  ...fields,
});
const parse = (workshop: Record<string, unknown>) => workshopSchema.safeParse({ version: 2, id: 'demo', title: 'Demo', steps: [step()], ...workshop });
const issues = (result: ReturnType<typeof parse>) => result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('the kit field', () => {
  it('is a version 2 field', () => {
    expect(issues(parse({ kit: KIT }))).toEqual([]);
    expect(issues(parse({ version: 1, kit: KIT }))).toEqual(['kit: this field is new in format version 2: add "version: 2" at the top of the file']);
  });

  it('takes paths inside the kit root only, each directory once', () => {
    expect(issues(parse({ kit: { include: ['/srv/kit', '../outside', '.', 'bpf\\tools', 'a/../../b'] } }))).toEqual([
      `kit.include.0: "/srv/kit" is absolute: give a path relative to the kit's root`,
      `kit.include.1: "../outside" leaves the kit's root`,
      "kit.include.2: name a directory or file under the kit's root, not the root itself",
      'kit.include.3: "bpf\\tools": separate directories with "/"',
      `kit.include.4: "a/../../b" leaves the kit's root`,
    ]);
    expect(issues(parse({ kit: { include: [] } }))).toEqual(['kit.include: Too small: expected array to have >=1 items']);
    expect(issues(parse({ kit: { include: ['bpf'], lock: '../kit.lock' } }))).toEqual([`kit.lock: "../kit.lock" leaves the kit's root`]);
    expect(issues(parse({ kit: { include: ['bpf', 'bpf/tools', 'php-sample', 'bpf/'] } }))).toEqual([
      'kit.include.1: "bpf/tools" is already in the kit with "bpf"',
      'kit.include.3: "bpf/" is already in the kit with "bpf"',
    ]);
    expect(issues(parse({ kit: { include: ['bpf'], colour: 'blue' } }))).toEqual(['kit: Unrecognized key: "colour"']);
  });
});

describe('${kit.archive} and ${kit.dir}', () => {
  const hint = { en: 'curl -fsSL ${kit.archive} | tar -xz -C ~ && cd ~/${kit.dir}', ja: 'cd ~/${kit.dir} で始めます' };

  it('are allowed in hints and failures, in every language, when the workshop has a kit', () => {
    expect(issues(parse({ kit: KIT, steps: [step({ hint }, { failure: { en: 'Download ${kit.archive} again.' } })] }))).toEqual([]);
  });

  it('are refused with a reason: an unknown name, another field, a workshop without a kit', () => {
    expect(issues(parse({ kit: KIT, steps: [step({ hint: 'Get ${kit.tarball}.' })] }))).toEqual([
      'steps.0.hint: ${kit.tarball} is not a kit value: use ${kit.archive} or ${kit.dir}',
    ]);
    expect(issues(parse({ kit: KIT, steps: [step({ title: 'Unpack ${kit.dir}' }, { ssh: { run: 'cd ~/${kit.dir}' } })] }))).toEqual([
      "steps.0.title: ${kit.dir} works only in a hint or a check's failure",
      "steps.0.checks.0.ssh.run: ${kit.dir} works only in a hint or a check's failure",
    ]);
    expect(issues(parse({ steps: [step({ hint })] }))).toEqual([
      'steps.0.hint.en: ${kit.archive} needs the kit: add "kit" at the top level',
      'steps.0.hint.en: ${kit.dir} needs the kit: add "kit" at the top level',
      'steps.0.hint.ja: ${kit.dir} needs the kit: add "kit" at the top level',
    ]);
  });

  it("become the archive on the reader's address and its directory; without links they stay as written", () => {
    const definition = parse({ kit: KIT, vars: { php: '8.3' }, steps: [step({ hint })] }).data as WorkshopDefinition;
    const links = kitLinks(definition, 'http://192.0.2.7:8080');
    expect(links).toEqual({ archive: 'http://192.0.2.7:8080/kit/kit.tar.gz', dir: 'demo-kit' });
    expect(substituteVars(definition, definition.steps[0].hint, links)).toEqual({
      en: 'curl -fsSL http://192.0.2.7:8080/kit/kit.tar.gz | tar -xz -C ~ && cd ~/demo-kit',
      ja: 'cd ~/demo-kit で始めます',
    });
    expect(substituteVars(definition, 'PHP ${vars.php} in ${kit.dir}', links)).toBe('PHP 8.3 in demo-kit');
    expect(substituteVars(definition, 'cd ${kit.dir}')).toBe('cd ${kit.dir}');
    expect(kitLinks({ id: 'demo', kit: undefined }, 'http://x')).toBeNull();
  });
});

describe('loading a workshop with a kit', () => {
  function repository(): string {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-workshop-'));
    fs.mkdirSync(path.join(repo, 'checks'));
    fs.mkdirSync(path.join(repo, 'bpf'));
    fs.writeFileSync(path.join(repo, 'bpf/setup.sh'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(repo, 'bpf/kit.lock'), 'libbpf.tar.gz - https://example.org/libbpf.tar.gz\n');
    return repo;
  }
  const workshop = (kit: string) =>
    [
      'version: 2',
      'id: demo',
      'title: Demo',
      kit,
      'steps:',
      '  - { id: one, title: One, minutes: 5, checks: [{ id: c, title: C, ssh: { run: "true" } }] }',
    ].join('\n');

  it('finds the kit from the directory above checks/, and keeps it out of the definition (and its hash)', () => {
    const repo = repository();
    fs.writeFileSync(path.join(repo, 'checks/demo.yaml'), workshop('kit: { include: [bpf], lock: bpf/kit.lock }'));
    const loaded = loadWorkshopFile(path.join(repo, 'checks/demo.yaml'));
    expect(loaded.kit?.entries.map((entry) => entry.path)).toEqual(['bpf', 'bpf/kit.lock', 'bpf/setup.sh']);
    expect(loaded.kit?.artefacts.map((a) => a.name)).toEqual(['libbpf.tar.gz']);
    expect(JSON.stringify(loaded.definition)).not.toContain(repo);
  });

  it('refuses the file when the kit is not there, naming file › field', () => {
    const repo = repository();
    fs.writeFileSync(path.join(repo, 'checks/demo.yaml'), workshop('kit: { include: [bpf, php-sample], lock: bpf/kit.lock }'));
    fs.writeFileSync(path.join(repo, 'bpf/kit.lock'), '# pins\nlibbpf.tar.gz nope https://example.org/libbpf.tar.gz\n');
    let error: unknown;
    try {
      loadWorkshopFile(path.join(repo, 'checks/demo.yaml'));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(WorkshopFileError);
    expect((error as WorkshopFileError).message).toBe(
      [
        'demo.yaml is not a valid workshop file:',
        `  - kit.include[1]: there is no directory php-sample in ${fs.realpathSync(repo)}`,
        '  - kit.lock: bpf/kit.lock line 2: "nope" is not a sha256: write 64 lowercase hex digits, or "-" while it is not pinned',
      ].join('\n'),
    );
  });

  it('the default workshop serves the repository kit, and its setup hint downloads it from Navigator in both languages', () => {
    const loaded = loadWorkshopFile(path.join(__dirname, '../../../checks/ebpf-php.yaml'));
    const entries = new Map(loaded.kit!.entries.map((entry) => [entry.path, entry]));
    expect(entries.get('bpf/setup.sh')?.mode).toBe(0o755);
    expect(entries.get('php-sample/load.sh')?.mode).toBe(0o755);
    expect(loaded.kit!.sourcePath).toBe('bpf/kit.source');
    expect(loaded.kit!.artefacts.length).toBeGreaterThan(0);
    const packages = loaded.definition.steps.find((s) => s.id === 'packages')!;
    const hint = substituteVars(loaded.definition, packages.hint, kitLinks(loaded.definition, 'http://navigator.test'));
    for (const locale of ['en', 'ja'] as const)
      expect((hint as Record<string, string>)[locale]).toContain(
        'curl -fsSL http://navigator.test/kit/kit.tar.gz | tar -xz -C ~ && cd ~/ebpf-php-kit && sudo ./bpf/setup.sh',
      );
  });
});
