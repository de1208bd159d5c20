import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildKitArchive, kitSourceLine } from './kit-archive';
import { KitError, resolveKit, type KitDefinition } from './kit-files';

const SUM = 'b'.repeat(64);
let repo: string;
let workshopFile: string;

/** A repository like this one: checks/the workshop, bpf/ and php-sample/ beside it. */
function write(relative: string, content = '', mode = 0o644): void {
  const file = path.join(repo, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
  fs.chmodSync(file, mode);
}

beforeEach(() => {
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-'));
  workshopFile = path.join(repo, 'checks', 'demo.yaml');
  write('checks/demo.yaml', 'id: demo');
  write('bpf/setup.sh', '#!/bin/sh\n', 0o750);
  write('bpf/README.md', '# Kit\n');
  write('bpf/kit.lock', `# artefacts\nlibbpf.tar.gz ${SUM} https://example.org/libbpf.tar.gz\ngrafana.deb - https://example.org/grafana.deb\n`);
  write('bpf/grafana/dashboard.json', '{}');
  write('php-sample/load.sh', '#!/bin/sh\n', 0o755);
  write('php-sample/public/index.php', '<?php');
});

const KIT: KitDefinition = { include: ['bpf', 'php-sample'], lock: 'bpf/kit.lock', source: 'bpf/kit.source' };

function problems(kit: KitDefinition = KIT): string[] {
  try {
    resolveKit(kit, 'demo', workshopFile);
  } catch (error) {
    if (error instanceof KitError) return error.problems;
    throw error;
  }
  throw new Error('expected the kit to be refused');
}

describe('finding a workshop kit on disk', () => {
  it('lists the included directories, executables 0755 and the rest 0644, and reads the lock', () => {
    const kit = resolveKit(KIT, 'demo', workshopFile);
    expect(kit.directory).toBe('demo-kit');
    expect(kit.root).toBe(fs.realpathSync(repo));
    expect(kit.entries.map((entry) => `${entry.kind} ${entry.mode.toString(8)} ${entry.path}`).sort()).toEqual([
      'directory 755 bpf',
      'directory 755 bpf/grafana',
      'directory 755 php-sample',
      'directory 755 php-sample/public',
      'file 644 bpf/README.md',
      'file 644 bpf/grafana/dashboard.json',
      'file 644 bpf/kit.lock',
      'file 644 php-sample/public/index.php',
      'file 755 bpf/setup.sh',
      'file 755 php-sample/load.sh',
    ]);
    expect(kit.artefacts.map((a) => [a.name, a.sha256])).toEqual([
      ['libbpf.tar.gz', SUM],
      ['grafana.deb', null],
    ]);
    expect(kit.lockFile).toBe(path.join(fs.realpathSync(repo), 'bpf/kit.lock'));
  });

  it("leaves out what the kit's .gitignore files (and the repository's) name, and .git", () => {
    write('bpf/.gitignore', '# built here\nvmlinux.h\n*.bpf.o\n/.php-binary\nbuild/\n');
    write('.gitignore', 'node_modules/\n*.log\n');
    for (const file of [
      'bpf/vmlinux.h',
      'bpf/php.bpf.o',
      'bpf/.php-binary',
      'bpf/build/out',
      'bpf/setup.log',
      'php-sample/node_modules/x/y.js',
      'bpf/.git/HEAD',
    ])
      write(file, 'generated');
    // Anchored to its own directory: a deeper .php-binary stays; a file named like a directory-only rule stays.
    write('bpf/tools/.php-binary', 'kept');
    write('bpf/tools/build', 'kept: a file, and "build/" names directories');
    const paths = resolveKit(KIT, 'demo', workshopFile).entries.map((entry) => entry.path);
    expect(paths).toContain('bpf/.gitignore');
    expect(paths).toContain('bpf/tools/.php-binary');
    expect(paths).toContain('bpf/tools/build');
    for (const left of [
      'bpf/vmlinux.h',
      'bpf/php.bpf.o',
      'bpf/.php-binary',
      'bpf/build',
      'bpf/build/out',
      'bpf/setup.log',
      'php-sample/node_modules',
      'bpf/.git',
    ])
      expect(paths).not.toContain(left);
  });

  it('refuses a missing directory, a missing or malformed lock and a source that is a directory, naming the field', () => {
    expect(problems({ ...KIT, include: ['bpf', 'php-smaple'] })).toEqual([`kit.include[1]: there is no directory php-smaple in ${fs.realpathSync(repo)}`]);
    expect(problems({ ...KIT, include: ['bpf/setup.sh'] })).toEqual(['kit.include[0]: bpf/setup.sh is not a directory']);
    expect(problems({ ...KIT, lock: 'bpf/kit.lok' })).toEqual([`kit.lock: there is no file bpf/kit.lok in ${fs.realpathSync(repo)}`]);
    write('bpf/kit.lock', `# artefacts\n\nlibbpf.tar.gz 1234 https://example.org/libbpf.tar.gz\n`);
    expect(problems()).toEqual(['kit.lock: bpf/kit.lock line 3: "1234" is not a sha256: write 64 lowercase hex digits, or "-" while it is not pinned']);
    write('bpf/kit.lock', '');
    expect(problems({ ...KIT, source: 'bpf/grafana' })).toEqual(['kit.source: bpf/grafana is a directory or a link in the kit; name a file']);
    expect(problems({ ...KIT, root: '../nowhere' })).toEqual([`kit.root: there is no directory ${path.join(repo, 'nowhere')}`]);
  });

  it('refuses symbolic links that lead outside the root, or outside the kit, or are absolute', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-outside-'));
    fs.writeFileSync(path.join(outside, 'secret'), 'not for attendees');
    fs.symlinkSync(outside, path.join(repo, 'elsewhere'));
    expect(problems({ ...KIT, include: ['bpf', 'elsewhere'] })).toEqual([`kit.include[1]: elsewhere leads outside ${fs.realpathSync(repo)} (a symbolic link)`]);
    fs.symlinkSync(path.join(outside, 'secret'), path.join(repo, 'lock-link'));
    expect(problems({ ...KIT, lock: 'lock-link' })).toEqual([`kit.lock: lock-link leads outside ${fs.realpathSync(repo)} (a symbolic link)`]);

    fs.symlinkSync('../../elsewhere/secret', path.join(repo, 'bpf/grafana/secret'));
    fs.symlinkSync('../checks/demo.yaml', path.join(repo, 'bpf/workshop.yaml'));
    fs.symlinkSync('/etc/passwd', path.join(repo, 'php-sample/passwd'));
    fs.symlinkSync('missing-file', path.join(repo, 'php-sample/dangling'));
    expect(problems().sort()).toEqual(
      [
        `kit.include[0]: bpf/grafana/secret is a symbolic link to ../../elsewhere/secret, outside ${fs.realpathSync(repo)}`,
        'kit.include[0]: bpf/workshop.yaml is a symbolic link to ../checks/demo.yaml, which is not in the kit (it would point to nothing once unpacked)',
        "kit.include[1]: php-sample/passwd is a symbolic link to the absolute path /etc/passwd, which means another file on an attendee's VM (make it relative)",
        'kit.include[1]: php-sample/dangling is a symbolic link to missing-file, which does not exist',
      ].sort(),
    );
  });

  it('keeps a relative link that stays in the kit, one included directory pointing into another', () => {
    fs.symlinkSync('setup.sh', path.join(repo, 'bpf/run'));
    fs.symlinkSync('../bpf/grafana', path.join(repo, 'php-sample/grafana'));
    const entries = resolveKit(KIT, 'demo', workshopFile).entries;
    expect(entries.filter((entry) => entry.kind === 'symlink').map((entry) => [entry.path, entry.target])).toEqual([
      ['bpf/run', 'setup.sh'],
      ['php-sample/grafana', '../bpf/grafana'],
    ]);
  });

  it('finds the paths from an explicit root, relative to the workshop file or absolute', () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-copy-'));
    const copy = path.join(elsewhere, 'copy.yaml');
    expect(() => resolveKit(KIT, 'demo', copy)).toThrow(KitError);
    expect(resolveKit({ ...KIT, root: repo }, 'demo', copy).root).toBe(fs.realpathSync(repo));
    expect(resolveKit({ ...KIT, root: '.', include: ['bpf'] }, 'demo', path.join(repo, 'top.yaml')).entries.length).toBeGreaterThan(3);
  });
});

describe('the kit archive', () => {
  function unpack(archive: Buffer): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-kit-unpacked-'));
    const result = spawnSync('tar', ['-xz', '-C', dir], { input: archive, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    return dir;
  }

  it('unpacks with the real tar under <id>-kit/, scripts executable, the source file generated', () => {
    write('bpf/kit.source', 'KIT_MIRROR=http://stale.example/kit/artefacts\n');
    const kit = resolveKit(KIT, 'demo', workshopFile);
    const dir = unpack(buildKitArchive(kit, 'http://192.0.2.10:8080/kit/artefacts'));
    expect(fs.readdirSync(dir)).toEqual(['demo-kit']);
    expect(fs.statSync(path.join(dir, 'demo-kit/bpf/setup.sh')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dir, 'demo-kit/php-sample/load.sh')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dir, 'demo-kit/bpf/README.md')).mode & 0o777).toBe(0o644);
    expect(fs.readFileSync(path.join(dir, 'demo-kit/bpf/kit.source'), 'utf8')).toBe('KIT_MIRROR=http://192.0.2.10:8080/kit/artefacts\n');
    expect(fs.readFileSync(path.join(dir, 'demo-kit/bpf/kit.lock'), 'utf8')).toContain('libbpf.tar.gz');
    expect(fs.existsSync(path.join(dir, 'demo-kit/checks'))).toBe(false);
  });

  it('is the same bytes every time for the same kit and address, sorted, and another address changes only the source line', () => {
    const kit = resolveKit(KIT, 'demo', workshopFile);
    const first = buildKitArchive(kit, 'http://a.example/kit/artefacts');
    // Touching the files does not change the archive: times are fixed.
    fs.utimesSync(path.join(repo, 'bpf/README.md'), new Date(), new Date());
    expect(buildKitArchive(kit, 'http://a.example/kit/artefacts').equals(first)).toBe(true);
    expect(buildKitArchive(kit, 'http://b.example/kit/artefacts').equals(first)).toBe(false);
    const listed = spawnSync('tar', ['-tz'], { input: first, encoding: 'utf8' }).stdout.trim().split('\n');
    expect(listed[0]).toBe('demo-kit/');
    expect(listed).toEqual([...listed].sort());
    expect(listed).toContain('demo-kit/bpf/kit.source');
  });

  it('creates the directories above a source file outside the included ones', () => {
    const kit = resolveKit({ ...KIT, source: 'config/mirror/kit.source' }, 'demo', workshopFile);
    const dir = unpack(buildKitArchive(kit, 'http://a.example/kit/artefacts'));
    expect(fs.readFileSync(path.join(dir, 'demo-kit/config/mirror/kit.source'), 'utf8')).toBe(kitSourceLine('http://a.example/kit/artefacts'));
  });
});
