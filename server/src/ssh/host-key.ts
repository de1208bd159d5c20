import { createHash } from 'node:crypto';

/** The same text `ssh-keygen -lf` prints: SHA256:<base64 without padding>. */
export function fingerprintOf(hostKey: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '');
}

/** The key type is the first length-prefixed string of the SSH wire-format key. */
export function keyAlgorithmOf(hostKey: Buffer): string {
  if (hostKey.length < 4) return 'unknown';
  const length = hostKey.readUInt32BE(0);
  return hostKey.subarray(4, 4 + length).toString('ascii') || 'unknown';
}
