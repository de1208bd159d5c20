/**
 * The line an attendee adds to ~/.ssh/authorized_keys. `restrict` turns off everything (PTY, agent
 * and X11 forwarding, ~/.ssh/rc); `port-forwarding` with `permitopen` then allows only forwards to
 * the VM's own localhost ports that the workshop's checks read.
 */
export function authorizedKeysLine(publicKey: string, ports: number[]): string {
  const permits = ports.map((port) => `permitopen="127.0.0.1:${port}"`);
  const options = ['restrict', ...(permits.length > 0 ? ['port-forwarding', ...permits] : [])].join(',');
  return `${options} ${publicKey.trim()}`;
}

/** A command the attendee pastes into their VM's shell; idempotent, so pasting twice adds one line. */
export function installCommand(line: string): string {
  if (line.includes("'")) throw new Error('an authorized_keys line never contains a single quote');
  return `mkdir -p ~/.ssh && chmod 700 ~/.ssh && touch ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys && (grep -qxF '${line}' ~/.ssh/authorized_keys || echo '${line}' >> ~/.ssh/authorized_keys)`;
}
