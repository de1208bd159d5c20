import fs from 'node:fs';
import path from 'node:path';
import type { ArtefactStore } from './artefact-store';
import type { ResolvedKit } from './kit-files';
import { parseKitLock, pinInLock, type LockedArtefact } from './kit-lock';
import { DownloadError, type Downloader } from './http-download';

export interface KitCommandContext {
  kit: ResolvedKit;
  store: ArtefactStore;
  downloader: Downloader;
  out: (line: string) => void;
}

/** A download from the first source that works, verified against `expected` when given, in a temporary file. */
interface Fetched {
  temporary: string;
  sha256: string;
  bytes: number;
  url: string;
}

const LOCK_ADVICE = 'run `npx navigator kit lock` where there is internet';

/**
 * `navigator kit fetch`: every pinned artefact of the lock into the data directory, each from the first of its
 * URLs that gives the pinned bytes. Ones already there and verified are left alone; unpinned ones are skipped.
 * Exit status 1 when one could not be fetched.
 */
export async function fetchArtefacts({ kit, store, downloader, out }: KitCommandContext): Promise<number> {
  const lock = lockName(kit);
  if (lock === null) return noLock(out);
  const counts = { fetched: 0, present: 0, unpinned: 0, failed: 0 };
  for (const artefact of kit.artefacts) {
    if (artefact.sha256 === null) {
      counts.unpinned++;
      out(`${artefact.name}: skipped, not pinned in ${lock} yet (${LOCK_ADVICE}, then fetch again)`);
      continue;
    }
    const pinned = { ...artefact, sha256: artefact.sha256 };
    const stored = await store.check(pinned);
    if (stored.state === 'verified') {
      counts.present++;
      out(`${artefact.name}: already fetched (${formatBytes(stored.size)}, sha256 verified)`);
      continue;
    }
    if (stored.state === 'different')
      out(`${artefact.name}: the copy in ${store.directory} has sha256 ${stored.sha256}, not the pinned one; fetching it again`);
    const fetched = await firstWorking(pinned, downloader, store, out, artefact.sha256);
    if (!fetched) {
      counts.failed++;
      out(`${artefact.name}: FAILED, no source gave the pinned bytes (sha256 ${artefact.sha256})`);
      continue;
    }
    store.commit(fetched.temporary, artefact.name);
    counts.fetched++;
    out(`${artefact.name}: fetched from ${fetched.url} (${formatBytes(fetched.bytes)}, sha256 verified)`);
  }
  out(`${counts.fetched} fetched, ${counts.present} already there, ${counts.unpinned} skipped (not pinned), ${counts.failed} failed: ${store.directory}`);
  return counts.failed > 0 ? 1 : 0;
}

/**
 * `navigator kit lock [NAME...]`: downloads each unpinned artefact (or each one named, pinned or not) and writes
 * its sha256 into the lock file, comments and order kept. The download is kept as the fetched artefact.
 * Exit status 1 when one could not be downloaded, 2 when a name is not in the lock.
 */
export async function lockArtefacts({ kit, store, downloader, out }: KitCommandContext, names: string[]): Promise<number> {
  const lock = lockName(kit);
  if (lock === null || kit.lockFile === null) return noLock(out);
  const unknown = names.filter((name) => !kit.artefacts.some((artefact) => artefact.name === name));
  if (unknown.length > 0) {
    out(`not in ${lock}: ${unknown.join(', ')} (it has ${kit.artefacts.map((a) => a.name).join(', ') || 'no artefacts'})`);
    return 2;
  }
  let failed = 0;
  for (const artefact of kit.artefacts) {
    if (names.length === 0 && artefact.sha256 !== null) {
      out(`${artefact.name}: already pinned (name it to download it and pin it again: navigator kit lock ${artefact.name})`);
      continue;
    }
    if (names.length > 0 && !names.includes(artefact.name)) continue;
    const fetched = await firstWorking(artefact, downloader, store, out, null);
    if (!fetched) {
      failed++;
      out(`${artefact.name}: FAILED, none of its URLs could be downloaded; ${lock} keeps ${artefact.sha256 ?? '-'}`);
      continue;
    }
    // Re-read for each pin: the file is only ever changed here, one line at a time.
    const text = fs.readFileSync(kit.lockFile, 'utf8');
    writeAtomically(kit.lockFile, pinInLock(text, artefact.name, fetched.sha256));
    store.commit(fetched.temporary, artefact.name);
    const change =
      artefact.sha256 === null ? 'pinned' : artefact.sha256 === fetched.sha256 ? 'unchanged' : `CHANGED (was ${artefact.sha256}; check why before using it)`;
    out(`${artefact.name}: ${change}, sha256 ${fetched.sha256} from ${fetched.url} (${formatBytes(fetched.bytes)})`);
  }
  // What was written still parses: the server and the kit's setup read it next.
  parseKitLock(fs.readFileSync(kit.lockFile, 'utf8'));
  return failed > 0 ? 1 : 0;
}

async function firstWorking(
  artefact: LockedArtefact,
  downloader: Downloader,
  store: ArtefactStore,
  out: (line: string) => void,
  expected: string | null,
): Promise<Fetched | null> {
  for (const url of artefact.urls) {
    const temporary = store.temporaryFile(artefact.name);
    try {
      const { sha256, bytes } = await downloader.download(url, temporary);
      if (expected !== null && sha256 !== expected) {
        out(`  ${url}: sha256 ${sha256}, not the pinned ${expected}`);
        fs.rmSync(temporary, { force: true });
        continue;
      }
      return { temporary, sha256, bytes, url };
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      if (!(error instanceof DownloadError)) throw error;
      out(`  ${url}: ${error.message}`);
    }
  }
  return null;
}

function lockName(kit: ResolvedKit): string | null {
  return kit.lockFile === null ? null : path.relative(kit.root, kit.lockFile);
}

function noLock(out: (line: string) => void): number {
  out('the workshop\'s kit has no lock file: add "lock" to its "kit" field (checks/README.md, "kit (v2): Navigator serves the kit")');
  return 2;
}

function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode: fs.statSync(file).mode & 0o777 });
  fs.renameSync(temporary, file);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
