import fs from 'node:fs';
import path from 'node:path';
import { utils } from 'ssh2';

/**
 * Navigator's own ed25519 key pair. The private key stays in the data directory with mode 0600
 * (checked and repaired at every start) and only the SSH classes read it.
 */
export class SshKeyStore {
  private constructor(
    readonly privateKey: Buffer,
    readonly publicKeyLine: string,
  ) {}

  static open(dataDir: string, comment = 'navigator'): SshKeyStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(dataDir, 0o700);
    const privateFile = path.join(dataDir, 'navigator_ed25519');
    const publicFile = `${privateFile}.pub`;
    if (!fs.existsSync(privateFile)) {
      const pair = generateUsableKeyPair(comment);
      fs.writeFileSync(privateFile, pair.private, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(publicFile, pair.public + '\n', { mode: 0o644 });
    }
    fs.chmodSync(privateFile, 0o600);
    const privateKey = fs.readFileSync(privateFile);
    const parsed = utils.parseKey(privateKey);
    if (parsed instanceof Error) throw new Error(`${privateFile} is not a usable SSH private key: ${parsed.message}`);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    const publicKeyLine = `${key.type} ${key.getPublicSSH().toString('base64')} ${comment}`;
    return new SshKeyStore(privateKey, publicKeyLine);
  }
}

/**
 * ssh2's generator now and then (about 1 in 250, measured) writes an ed25519 key its own parser
 * rejects as malformed; only a key that parses back is ever stored.
 */
export function generateUsableKeyPair(comment: string): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new Error('could not generate a usable ed25519 key pair');
}
