import { describe, expect, it } from 'vitest';
import { sshNativeCryptoAvailable } from './native-crypto';

describe('ssh2 native crypto', () => {
  // npm ci builds it (package.json allowScripts: ssh2); losing it would quietly double probing's CPU.
  it('was built at install', () => {
    expect(sshNativeCryptoAvailable()).toBe(true);
  });
});
