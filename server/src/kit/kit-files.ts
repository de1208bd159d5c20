import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { kitSchema } from '../workshops/workshop.schema';
import { kitDirectory } from './kit-links';
import { KitLockError, parseKitLock, type LockedArtefact } from './kit-lock';

export type KitDefinition = z.infer<typeof kitSchema>;

/** One entry of the kit's archive, as found on disk when the workshop was loaded. */
export interface KitEntry {
  /** Inside the archive's top directory, "/"-separated. */
  path: string;
  kind: 'file' | 'directory' | 'symlink';
  /** 0o755 for directories and executable files, 0o644 for other files: the checkout's umask does not change the archive. */
  mode: number;
  /** Where to read a file's bytes. */
  source: string;
  /** A symlink's target, relative, as written. */
  target?: string;
}

/** The kit of a loaded workshop: what the archive holds and what its lock file pins. */
export interface ResolvedKit {
  /** `<workshop id>-kit`: the archive's top directory, `${kit.dir}`. */
  directory: string;
  root: string;
  entries: KitEntry[];
  /** The lock file's absolute path, or null without `lock`. */
  lockFile: string | null;
  artefacts: LockedArtefact[];
  /** Where in the archive the generated KIT_MIRROR line goes, or null without `source`. */
  sourcePath: string | null;
}

/** What is wrong with the kit, each problem naming its field (`kit.include[0]: …`). */
export class KitError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export const KIT_LIMITS = { files: 5000, bytes: 64 * 1024 * 1024 };

/** The default root: the directory that holds checks/, i.e. the workshop file's directory's parent. */
export const DEFAULT_KIT_ROOT = '..';

/**
 * Finds the kit of a workshop on disk: its directories (every file under them but those their `.gitignore` files
 * leave out, and `.git`), its lock file, parsed. Paths, symlinks included, must stay inside the root.
 */
export function resolveKit(kit: KitDefinition, workshopId: string, workshopFile: string): ResolvedKit {
  const problems: string[] = [];
  const rootGiven = path.resolve(path.dirname(workshopFile), kit.root ?? DEFAULT_KIT_ROOT);
  let root: string;
  try {
    root = fs.realpathSync(rootGiven);
    if (!fs.statSync(root).isDirectory()) throw new KitError([`kit.root: ${rootGiven} is not a directory`]);
  } catch (error) {
    if (error instanceof KitError) throw error;
    throw new KitError([`kit.root: there is no directory ${rootGiven}`]);
  }
  const walk = new KitWalk(root);
  kit.include.forEach((dir, index) => {
    const field = `kit.include[${index}]`;
    const relative = normalized(dir);
    const real = realInside(root, relative);
    if (real === 'missing') problems.push(`${field}: there is no directory ${relative} in ${root}`);
    else if (real === 'outside') problems.push(`${field}: ${relative} leads outside ${root} (a symbolic link)`);
    else if (!fs.statSync(real).isDirectory()) problems.push(`${field}: ${relative} is not a directory`);
    else walk.add(relative, real, field, problems);
  });

  let lockFile: string | null = null;
  let artefacts: LockedArtefact[] = [];
  if (kit.lock !== undefined) {
    const relative = normalized(kit.lock);
    const real = realInside(root, relative);
    if (real === 'missing') problems.push(`kit.lock: there is no file ${relative} in ${root}`);
    else if (real === 'outside') problems.push(`kit.lock: ${relative} leads outside ${root} (a symbolic link)`);
    else if (!fs.statSync(real).isFile()) problems.push(`kit.lock: ${relative} is not a file`);
    else {
      lockFile = real;
      try {
        artefacts = parseKitLock(fs.readFileSync(real, 'utf8'));
      } catch (error) {
        if (!(error instanceof KitLockError)) throw error;
        problems.push(`kit.lock: ${relative} ${error.message}`);
      }
    }
  }

  walk.checkLinks(problems);

  const sourcePath = kit.source === undefined ? null : normalized(kit.source);
  if (sourcePath !== null && walk.entries.some((entry) => entry.path === sourcePath && entry.kind !== 'file'))
    problems.push(`kit.source: ${sourcePath} is a directory or a link in the kit; name a file`);
  if (problems.length > 0) throw new KitError(problems);
  return {
    directory: kitDirectory(workshopId),
    root,
    entries: walk.entries.filter((entry) => entry.path !== sourcePath),
    lockFile,
    artefacts,
    sourcePath,
  };
}

function normalized(relative: string): string {
  return path.posix.normalize(relative.replace(/\/+$/, ''));
}

/** The real path of `relative` under `root`, when it exists and stays inside it. */
function realInside(root: string, relative: string): string | 'missing' | 'outside' {
  let real: string;
  try {
    real = fs.realpathSync(path.join(root, relative));
  } catch {
    return 'missing';
  }
  return isInside(root, real) ? real : 'outside';
}

function isInside(directory: string, candidate: string): boolean {
  const relative = path.relative(directory, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A `.gitignore` line Navigator understands: a name or glob (`*`, `?`, `[…]`, `**`), anchored when it has a slash. */
interface IgnoreRule {
  /** The directory of the .gitignore, relative to the root. */
  base: string;
  pattern: RegExp;
  anchored: boolean;
  directoryOnly: boolean;
}

class KitWalk {
  readonly entries: KitEntry[] = [];
  private bytes = 0;
  /** The real paths of the included directories: a symlink in the kit must point into one of them. */
  private readonly includedReal: string[] = [];
  private readonly links: { entry: KitEntry; real: string; field: string }[] = [];

  constructor(private readonly root: string) {}

  add(relative: string, real: string, field: string, problems: string[]): void {
    this.includedReal.push(real);
    this.addParents(relative);
    this.entries.push({ path: relative, kind: 'directory', mode: 0o755, source: real });
    // As git reads them: the .gitignore files of the directories above count too (the repository's own among them).
    const parts = relative.split('/');
    const above = parts.map((_, i) => parts.slice(0, i).join('/'));
    const inherited = above.flatMap((dir) => readGitignore(dir, path.join(this.root, dir), field, problems));
    this.walkDirectory(relative, real, field, inherited, problems);
  }

  /** Links are checked once every included directory is known: one may point into another. */
  checkLinks(problems: string[]): void {
    for (const { entry, real, field } of this.links)
      if (!this.includedReal.some((directory) => isInside(directory, real)))
        problems.push(`${field}: ${entry.path} is a symbolic link to ${entry.target}, which is not in the kit (it would point to nothing once unpacked)`);
  }

  private walkDirectory(relative: string, real: string, field: string, inherited: IgnoreRule[], problems: string[]): void {
    const rules = [...inherited, ...readGitignore(relative, real, field, problems)];
    for (const name of fs.readdirSync(real).sort()) {
      if (name === '.git') continue;
      const childRelative = `${relative}/${name}`;
      const child = path.join(real, name);
      const stat = fs.lstatSync(child);
      if (ignored(rules, childRelative, stat.isDirectory())) continue;
      if (this.entries.length >= KIT_LIMITS.files) {
        problems.push(`${field}: the kit has more than ${KIT_LIMITS.files} files; leave some out with a .gitignore`);
        return;
      }
      if (stat.isSymbolicLink()) this.addLink(childRelative, child, field, problems);
      else if (stat.isDirectory()) {
        this.entries.push({ path: childRelative, kind: 'directory', mode: 0o755, source: child });
        this.walkDirectory(childRelative, child, field, rules, problems);
      } else if (stat.isFile()) {
        this.bytes += stat.size;
        if (this.bytes > KIT_LIMITS.bytes) {
          problems.push(`${field}: the kit is over ${KIT_LIMITS.bytes / 1024 / 1024} MB; leave large files out with a .gitignore`);
          return;
        }
        this.entries.push({ path: childRelative, kind: 'file', mode: stat.mode & 0o111 ? 0o755 : 0o644, source: child });
      } else problems.push(`${field}: ${childRelative} is not a file, a directory or a symbolic link`);
    }
  }

  /** A link goes into the archive as a link: relative, and to something inside the kit. */
  private addLink(relative: string, link: string, field: string, problems: string[]): void {
    const target = fs.readlinkSync(link);
    if (path.isAbsolute(target)) {
      problems.push(`${field}: ${relative} is a symbolic link to the absolute path ${target}, which means another file on an attendee's VM (make it relative)`);
      return;
    }
    let real: string;
    try {
      real = fs.realpathSync(link);
    } catch {
      problems.push(`${field}: ${relative} is a symbolic link to ${target}, which does not exist`);
      return;
    }
    if (!isInside(this.root, real)) {
      problems.push(`${field}: ${relative} is a symbolic link to ${target}, outside ${this.root}`);
      return;
    }
    const entry: KitEntry = { path: relative, kind: 'symlink', mode: 0o777, source: link, target };
    this.entries.push(entry);
    this.links.push({ entry, real, field });
  }

  /** Directories above an included one (`tools` for `tools/bpf`) go into the archive too. */
  private addParents(relative: string): void {
    const parts = relative.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (!this.entries.some((entry) => entry.path === parent))
        this.entries.push({ path: parent, kind: 'directory', mode: 0o755, source: path.join(this.root, parent) });
    }
  }
}

function readGitignore(relative: string, real: string, field: string, problems: string[]): IgnoreRule[] {
  const file = path.join(real, '.gitignore');
  if (!fs.existsSync(file)) return [];
  const rules: IgnoreRule[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = raw.replace(/\s+$/, '');
      if (line === '' || line.startsWith('#')) return;
      if (line.startsWith('!')) {
        problems.push(
          `${field}: ${path.posix.join(relative, '.gitignore')} line ${index + 1}: Navigator's kit does not read "!" patterns; list what to leave out instead`,
        );
        return;
      }
      const directoryOnly = line.endsWith('/');
      const body = line.replace(/\/+$/, '');
      const anchored = body.includes('/');
      rules.push({ base: relative, pattern: globToRegExp(body.replace(/^\//, '')), anchored, directoryOnly });
    });
  return rules;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i];
    if (char === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) source += '\\[';
      else {
        source += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else if (char === '\\' && i + 1 < glob.length) source += escapeRegExp(glob[++i]);
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function ignored(rules: IgnoreRule[], relative: string, isDirectory: boolean): boolean {
  return rules.some((rule) => {
    if (rule.directoryOnly && !isDirectory) return false;
    const below = rule.base === '' ? relative : relative.slice(rule.base.length + 1);
    return rule.anchored ? rule.pattern.test(below) : rule.pattern.test(path.posix.basename(relative));
  });
}
