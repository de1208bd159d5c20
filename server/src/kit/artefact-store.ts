import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isArtefactName, type LockedArtefact } from './kit-lock';

/** What the store holds for a pinned artefact. */
export type StoredArtefact = { state: 'verified'; size: number } | { state: 'missing' } | { state: 'different'; sha256: string };

/** An artefact opened for serving: the bytes that were verified, whatever is renamed into place meanwhile. */
export interface OpenedArtefact {
  size: number;
  sha256: string;
  stream: Readable;
}

/**
 * The kit's artefacts in the data directory (`<data dir>/kit-artefacts/NAME`), where `navigator kit fetch` puts
 * them and /kit/artefacts/NAME serves them from. A file counts only when its sha256 is the lock's; sums are kept
 * per file version (inode, size, modification time) so a 200 MB artefact is read once, not per request.
 */
export class ArtefactStore {
  private readonly sums = new Map<string, { key: string; sha256: string }>();

  constructor(readonly directory: string) {}

  static inDataDir(dataDir: string): ArtefactStore {
    return new ArtefactStore(path.join(dataDir, 'kit-artefacts'));
  }

  pathOf(name: string): string {
    // Names come from the lock file, which allows only plain file names; checked again where a path is made.
    if (!isArtefactName(name)) throw new Error(`not an artefact name: ${name}`);
    return path.join(this.directory, name);
  }

  async check(artefact: LockedArtefact & { sha256: string }): Promise<StoredArtefact> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.pathOf(artefact.name), 'r');
    } catch {
      return { state: 'missing' };
    }
    try {
      const { size, sha256 } = await this.sumOf(artefact.name, handle);
      return sha256 === artefact.sha256 ? { state: 'verified', size } : { state: 'different', sha256 };
    } finally {
      await handle.close();
    }
  }

  /** The artefact's bytes when they are the pinned ones; null when not there or different. */
  async open(artefact: LockedArtefact & { sha256: string }): Promise<OpenedArtefact | null> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.pathOf(artefact.name), 'r');
    } catch {
      return null;
    }
    try {
      const { size, sha256 } = await this.sumOf(artefact.name, handle);
      if (sha256 !== artefact.sha256) {
        await handle.close();
        return null;
      }
      return { size, sha256, stream: handle.createReadStream({ start: 0, autoClose: true }) };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** A new file beside the artefacts, for a download to be written to and then put in place. */
  temporaryFile(name: string): string {
    fs.mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    return path.join(this.directory, `.${name}.${randomBytes(6).toString('hex')}.partial`);
  }

  /** Puts a verified download in place in one rename: a reader sees the old file or the new one, never half of one. */
  commit(temporary: string, name: string): void {
    fs.renameSync(temporary, this.pathOf(name));
  }

  private async sumOf(name: string, handle: fs.promises.FileHandle): Promise<{ size: number; sha256: string }> {
    const stat = await handle.stat();
    const key = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    const known = this.sums.get(name);
    if (known?.key === key) return { size: stat.size, sha256: known.sha256 };
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk as Buffer);
    const sha256 = hash.digest('hex');
    this.sums.set(name, { key, sha256 });
    return { size: stat.size, sha256 };
  }
}

/** sha256 of a file, read as a stream. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
