import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { utils } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateUsableKeyPair, SshKeyStore } from './ssh.keys';

describe('SshKeyStore', () => {
  it('every generated key parses back (ssh2 alone fails about 1 in 250)', () => {
    for (let i = 0; i < 400; i++) expect(utils.parseKey(generateUsableKeyPair('navigator').private)).not.toBeInstanceOf(Error);
  });

  it('stores the private key 0600 in a 0700 directory, repairs a loosened mode, and keeps the same key', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'navigator-keys-')), 'data');
    const first = SshKeyStore.open(dir);
    expect(fs.statSync(path.join(dir, 'navigator_ed25519')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(first.publicKeyLine).toMatch(/^ssh-ed25519 AAAA\S+ navigator$/);
    fs.chmodSync(path.join(dir, 'navigator_ed25519'), 0o644);
    const again = SshKeyStore.open(dir);
    expect(fs.statSync(path.join(dir, 'navigator_ed25519')).mode & 0o777).toBe(0o600);
    expect(again.publicKeyLine).toBe(first.publicKeyLine);
  });
});
