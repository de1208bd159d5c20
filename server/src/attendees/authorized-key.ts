/** The login the recommended one-liner creates on the VM for Navigator: unprivileged, no password, no sudo. */
export const DEDICATED_LOGIN = 'navigator';

/**
 * The line an attendee adds to ~/.ssh/authorized_keys: their own key, narrowed to what the checks need.
 * `restrict` turns everything off (forwarding, PTY, agent and X11 forwarding, ~/.ssh/rc; named again
 * for a reader); `command=` makes every session the one shell the probes use, so a subsystem (sftp)
 * or another command line gets that shell instead; with ports to read, `port-forwarding` comes back
 * limited by `permitopen` to exactly those ports on the VM's localhost. OpenSSH's key options have no
 * `permitlisten="none"` (9.2 rejects the line), so remote forwarding is narrowed to localhost port 1,
 * which only root may bind: for any other login `ssh -R` is refused outright.
 */
export function authorizedKeysLine(publicKey: string, ports: number[]): string {
  const narrow = ['restrict', 'command="exec sh -s"', 'no-agent-forwarding', 'no-X11-forwarding', 'no-pty', 'no-user-rc'];
  const forwarding = ports.length > 0 ? ['port-forwarding', 'permitlisten="localhost:1"', ...ports.map((port) => `permitopen="127.0.0.1:${port}"`)] : [];
  return `${[...narrow, ...forwarding].join(',')} ${publicKey.trim()}`;
}

/** A command the attendee pastes into their VM's shell; idempotent, so pasting twice adds one line. */
export function installCommand(line: string): string {
  if (line.includes("'")) throw new Error('an authorized_keys line never contains a single quote');
  return `mkdir -p ~/.ssh && chmod 700 ~/.ssh && touch ~/.ssh/authorized_keys && chmod 600 ~/.ssh/authorized_keys && (grep -qxF '${line}' ~/.ssh/authorized_keys || echo '${line}' >> ~/.ssh/authorized_keys)`;
}

/**
 * The recommended path: a dedicated unprivileged login for Navigator (no sudo, no password: `*` is
 * "no password" without locking the account, which some sshd setups refuse) with the line installed
 * there. Run once with sudo; idempotent.
 */
export function dedicatedLoginCommand(line: string, login = DEDICATED_LOGIN): string {
  if (line.includes("'")) throw new Error('an authorized_keys line never contains a single quote');
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(login)) throw new Error(`not a login name: ${login}`);
  const script = [
    `id -u ${login} >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ${login}`,
    `usermod -p "*" ${login}`,
    `h=$(getent passwd ${login} | cut -d: -f6)`,
    `install -d -m 700 -o ${login} -g ${login} "$h/.ssh"`,
    'k="$h/.ssh/authorized_keys"',
    'l=$(cat)',
    'touch "$k"',
    `grep -qxF "$l" "$k" || printf "%s\\n" "$l" >> "$k"`,
    `chown ${login}:${login} "$k"`,
    'chmod 600 "$k"',
  ].join('; ');
  return `printf '%s\\n' '${line}' | sudo sh -c '${script}'`;
}

/** Where the rule below is written: a file of its own, so removing it is one `rm`. */
export const ROOT_CHECKS_SUDOERS = '/etc/sudoers.d/navigator-checks';

/**
 * For workshops whose checks read root-only state (`sudo: true`): lets the dedicated login run them
 * with `sudo -n`. A check is a shell script, so no narrower rule than "everything as root" would let
 * it run; the page says so, and the attendee decides. `visudo -c` refuses a broken file before sudo reads it.
 */
export function rootChecksRuleCommand(login = DEDICATED_LOGIN): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(login)) throw new Error(`not a login name: ${login}`);
  const file = ROOT_CHECKS_SUDOERS;
  return `echo '${login} ALL=(root) NOPASSWD: ALL' | sudo tee ${file}.new >/dev/null && sudo chmod 440 ${file}.new && sudo visudo -cqf ${file}.new && sudo mv ${file}.new ${file}`;
}
