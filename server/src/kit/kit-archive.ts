import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KitEntry, ResolvedKit } from './kit-files';
import { UstarWriter } from './ustar';

/** Every entry's modification time (2000-01-01T00:00:00Z): the same kit gives the same bytes on every machine and every day. */
export const KIT_MTIME = 946_684_800;

/** The line the kit's setup parses (never sources) to download artefacts from Navigator first. */
export function kitSourceLine(mirror: string): string {
  return `KIT_MIRROR=${mirror}\n`;
}

/**
 * The kit as a gzip tarball: everything under `<workshop id>-kit/`, entries sorted by path, and the generated
 * source file (KIT_MIRROR=`mirror`) where the workshop's `kit.source` says. Files are read now, so an edit to
 * the kit shows in the next archive built.
 */
export function buildKitArchive(kit: ResolvedKit, mirror: string): Buffer {
  const entries: KitEntry[] = [...kit.entries];
  const generated = new Map<string, Buffer>();
  if (kit.sourcePath !== null) {
    generated.set(kit.sourcePath, Buffer.from(kitSourceLine(mirror)));
    for (let dir = path.posix.dirname(kit.sourcePath); dir !== '.'; dir = path.posix.dirname(dir))
      if (!entries.some((entry) => entry.path === dir)) entries.push({ path: dir, kind: 'directory', mode: 0o755, source: '' });
    entries.push({ path: kit.sourcePath, kind: 'file', mode: 0o644, source: '' });
  }
  // A directory's "dir/" sorts before "dir/anything", so parents come first.
  const named = entries.map((entry) => ({ entry, name: `${kit.directory}/${entry.path}${entry.kind === 'directory' ? '/' : ''}` }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tar = new UstarWriter(KIT_MTIME);
  tar.directory(`${kit.directory}/`);
  for (const { entry, name } of named) {
    switch (entry.kind) {
      case 'directory':
        tar.directory(name, entry.mode);
        break;
      case 'symlink':
        tar.symlink(name, entry.target ?? '');
        break;
      case 'file':
        tar.file(name, generated.get(entry.path) ?? fs.readFileSync(entry.source), entry.mode);
        break;
    }
  }
  return gzipSync(tar.finish(), { level: 9 });
}
