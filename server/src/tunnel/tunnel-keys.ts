import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { utils, type ParsedKey } from 'ssh2';
import { generateUsableKeyPairAsync, readPrivateKeyFile } from '../ssh/attendee-keys';
import { generateUsableKeyPair } from '../ssh/ssh.keys';

const ID = /^[A-Za-z0-9-]{1,64}$/;

/** A parsed public key: what an SSH login presents, and what its signature is checked with. */
export interface TunnelPublicKey {
  algo: string;
  data: Buffer;
  verify(blob: Buffer, signature: Buffer, hashAlgo?: string): boolean;
}

function parsePrivate(file: string, text: Buffer): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw new Error(`${file} is not a usable SSH private key: ${parsed.message}`);
  return Array.isArray(parsed) ? parsed[0] : parsed;
}

/**
 * Navigator's host key for its tunnel endpoint: generated once, kept 0600 beside the other keys in the
 * data directory (so a restart, or a restored backup, presents the key attendees' known_hosts pinned).
 */
export class TunnelHostKey {
  private constructor(
    readonly privateKey: Buffer,
    /** "ssh-ed25519 AAAA…", the part of a known_hosts line after the host. */
    readonly publicKey: string,
  ) {}

  static open(dataDir: string): TunnelHostKey {
    fsSync.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(dataDir, 'tunnel_host_ed25519');
    if (!fsSync.existsSync(file)) fsSync.writeFileSync(file, generateUsableKeyPair('navigator-tunnel').private, { mode: 0o600, flag: 'wx' });
    fsSync.chmodSync(file, 0o600);
    const privateKey = fsSync.readFileSync(file);
    const key = parsePrivate(file, privateKey);
    return new TunnelHostKey(privateKey, `${key.type} ${key.getPublicSSH().toString('base64')}`);
  }
}

/**
 * One tunnel key pair per attendee, apart from their probe key: the VM holds this private half and
 * logs in to Navigator's endpoint with it, while the probe key's private half never leaves Navigator
 * (it opens the attendee's account). A copied tunnel key opens only that attendee's tunnel, and a
 * tunnel to the wrong machine is caught by the VM's pinned host key. Files are 0600 in the data
 * directory, generated in the thread pool the first time the attendee's page asks for its commands.
 */
export class TunnelKeyStore {
  private readonly publicKeys = new Map<string, TunnelPublicKey>();

  constructor(private readonly dataDir: string) {}

  fileOf(attendeeId: string): string {
    if (!ID.test(attendeeId)) throw new Error(`not an attendee id: ${attendeeId}`);
    return path.join(this.dataDir, `tunnel-${attendeeId}.key`);
  }

  /** The attendee's tunnel private key (OpenSSH format), issued now when there is none. */
  async privateKeyFor(attendeeId: string): Promise<string> {
    const existing = await this.read(attendeeId);
    if (existing) return existing.toString('utf8');
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    const pair = await generateUsableKeyPairAsync(`navigator-tunnel-${attendeeId.slice(0, 8)}`);
    const file = this.fileOf(attendeeId);
    const temporary = `${file}.${process.pid}.tmp`;
    await fs.writeFile(temporary, pair.private, { mode: 0o600 });
    await fs.chmod(temporary, 0o600);
    // Two page loads at once: the first key written wins, so the command both showed stays valid.
    try {
      await fs.link(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await fs.rm(temporary, { force: true });
    }
    this.publicKeys.delete(attendeeId);
    return (await fs.readFile(file)).toString('utf8');
  }

  /** The public half the attendee's VM must present, or null when no tunnel key was issued. */
  async publicKeyOf(attendeeId: string): Promise<TunnelPublicKey | null> {
    if (!ID.test(attendeeId)) return null;
    const known = this.publicKeys.get(attendeeId);
    if (known) return known;
    const text = await this.read(attendeeId);
    if (!text) return null;
    const key = parsePrivate(this.fileOf(attendeeId), text);
    const publicKey = { algo: key.type, data: key.getPublicSSH(), verify: key.verify.bind(key) } as TunnelPublicKey;
    this.publicKeys.set(attendeeId, publicKey);
    return publicKey;
  }

  async remove(attendeeId: string): Promise<void> {
    this.publicKeys.delete(attendeeId);
    await fs.rm(this.fileOf(attendeeId), { force: true });
  }

  private read(attendeeId: string): Promise<Buffer | null> {
    return readPrivateKeyFile(this.fileOf(attendeeId));
  }
}
