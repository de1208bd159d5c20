/**
 * Whether ssh2's optional native crypto binding was built at install (package.json allowScripts).
 * Without it every packet is encrypted with a fresh Node cipher and written to the socket in three
 * pieces; the binding roughly halves Navigator's CPU per probe (README, Performance).
 */
export function sshNativeCryptoAvailable(): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require('ssh2/lib/protocol/crypto') as { bindingAvailable?: boolean };
  return crypto.bindingAvailable === true;
}
