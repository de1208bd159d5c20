/**
 * The kit's lock file (bpf/kit.lock): one artefact a line, `NAME SHA256 URL [URL...]`, whitespace-separated;
 * `#` starts a comment line; SHA256 is `-` while the artefact is not pinned yet. The kit's setup reads the same
 * file with awk, so the format stays this plain.
 */
export interface LockedArtefact {
  /** A plain file name: what /kit/artefacts/NAME serves and the file's name in the data directory. */
  name: string;
  /** Lowercase hex; null while not pinned (`-`). */
  sha256: string | null;
  /** Tried in order. */
  urls: string[];
  /** 1-based, for messages. */
  line: number;
}

/** Letters, digits and `._+-`, not starting with a dot (`..`, hidden and temporary files are never artefacts). */
export const ARTEFACT_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,199}$/;
/** Lowercase, as sha256sum prints it and as the kit's setup compares it. */
const SHA256 = /^[0-9a-f]{64}$/;
export const UNPINNED = '-';

export class KitLockError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

export function isArtefactName(name: string): boolean {
  return ARTEFACT_NAME.test(name);
}

export function parseKitLock(text: string): LockedArtefact[] {
  const artefacts: LockedArtefact[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const fields = raw.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0 || fields[0].startsWith('#')) return;
    const [name, sha256, ...urls] = fields;
    if (!isArtefactName(name))
      throw new KitLockError(line, `"${name}" is not an artefact name: use letters, digits and ._+- (not starting with a dot, at most 200)`);
    if (seen.has(name)) throw new KitLockError(line, `"${name}" is already on line ${seen.get(name)}`);
    seen.set(name, line);
    if (sha256 === undefined) throw new KitLockError(line, `${name} has no sha256: write 64 lowercase hex digits, or "${UNPINNED}" while it is not pinned`);
    if (sha256 !== UNPINNED && !SHA256.test(sha256))
      throw new KitLockError(line, `"${sha256}" is not a sha256: write 64 lowercase hex digits, or "${UNPINNED}" while it is not pinned`);
    if (urls.length === 0) throw new KitLockError(line, `${name} has no URL to download it from`);
    for (const url of urls) if (!isHttpUrl(url)) throw new KitLockError(line, `"${url}" is not an http:// or https:// URL`);
    artefacts.push({ name, sha256: sha256 === UNPINNED ? null : sha256, urls, line });
  });
  return artefacts;
}

/** The lock file's text with `name`'s sha256 set: every other byte (comments, spacing, order, line ends) as it was. */
export function pinInLock(text: string, name: string, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  const lines = text.split(/(?<=\n)/);
  const index = lines.findIndex((line) => line.trim().split(/\s+/)[0] === name && !line.trim().startsWith('#'));
  if (index === -1) throw new Error(`${name} is not in the lock file`);
  lines[index] = lines[index].replace(/^(\s*\S+\s+)\S+/, (_, head: string) => head + sha256);
  return lines.join('');
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host !== '';
  } catch {
    return false;
  }
}
