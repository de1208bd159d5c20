import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { utils } from 'ssh2';

const ID = /^[A-Za-z0-9-]{1,64}$/;

/**
 * One ed25519 key pair per attendee: the line an attendee installs is theirs alone, so reaching an
 * account proves its owner installed that line. The private halves are files in the data directory
 * (mode 0600, beside the directory's other secrets, so backups carry them) that only the SSH classes
 * read; the public line is stored with the attendee. Keys are generated in libuv's thread pool, never
 * on the event loop.
 */
export class AttendeeKeyStore {
  constructor(private readonly dataDir: string) {}

  /**
   * The store for a data directory. The key pair every VM once shared (navigator_ed25519) is retired:
   * deleted, so a copy of it opens nothing Navigator still uses; attendees get their own keys instead.
   */
  static open(dataDir: string): AttendeeKeyStore {
    for (const file of ['navigator_ed25519', 'navigator_ed25519.pub']) fsSync.rmSync(path.join(dataDir, file), { force: true });
    return new AttendeeKeyStore(dataDir);
  }

  fileOf(attendeeId: string): string {
    if (!ID.test(attendeeId)) throw new Error(`not an attendee id: ${attendeeId}`);
    return path.join(this.dataDir, `attendee-${attendeeId}.key`);
  }

  /** A new key pair for the attendee (replacing any); resolves to the public key line. */
  async issue(attendeeId: string): Promise<string> {
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    const pair = await generateUsableKeyPairAsync(`navigator-${attendeeId.slice(0, 8)}`);
    const file = this.fileOf(attendeeId);
    const temporary = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, pair.private, { mode: 0o600 });
    await fs.chmod(temporary, 0o600);
    await fs.rename(temporary, file);
    return pair.public;
  }

  /** The attendee's private key, or null when there is none (never issued, or lost). */
  async privateKey(attendeeId: string): Promise<Buffer | null> {
    return readPrivateKeyFile(this.fileOf(attendeeId));
  }

  async remove(attendeeId: string): Promise<void> {
    await fs.rm(this.fileOf(attendeeId), { force: true });
  }
}

/** ssh2's generator (crypto.generateKeyPair underneath: the thread pool) now and then writes a key its parser rejects; only one that parses back is kept. */
/** A private key file's bytes, made 0600 again if someone loosened it; null when there is none. */
export async function readPrivateKeyFile(file: string): Promise<Buffer | null> {
  try {
    const stat = await fs.stat(file);
    if ((stat.mode & 0o077) !== 0) await fs.chmod(file, 0o600);
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function generateUsableKeyPairAsync(comment: string): Promise<{ private: string; public: string }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = await new Promise<{ private: string; public: string }>((resolve, reject) =>
      utils.generateKeyPair('ed25519', { comment }, (error, keys) => (error ? reject(error) : resolve(keys))),
    );
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('could not generate a usable ed25519 key pair');
}
