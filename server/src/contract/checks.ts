/**
 * The vocabulary of the loop, one name per concept: what a check's result is, what a step's state is,
 * what a VM connection's state is and why. Probes produce these, progress decides with them, the
 * database stores them, the board and the web app show them.
 */

/** A check's outcome: `error` when it could not be evaluated (a timeout, a lost shell), never the attendee's failure. */
export type CheckStatus = 'pass' | 'fail' | 'error';

/** One check's outcome in one sweep. `reason` is for people; `output` is a bounded tail for the navigator. */
export interface CheckResult {
  checkId: string;
  status: CheckStatus;
  reason: string | null;
  output: string | null;
}

/**
 * done: every check passes. current: the first step not done. failing: the current step, when one
 * of its checks ran and did not pass. not_yet: after the current step and not done.
 */
export type StepState = 'done' | 'current' | 'failing' | 'not_yet';

/** What a board cell shows: a step's state, or `unreachable` for a step not done while the VM cannot be reached. */
export type CellState = StepState | 'unreachable';

/** waiting: registered, no attempt yet. The database keeps only `connected` and `unreachable` (with a reason). */
export type ConnectionState = 'waiting' | 'connecting' | 'connected' | 'unreachable';

export type UnreachableReason =
  'refused' | 'timeout' | 'slow_link' | 'dropped' | 'dns' | 'auth_rejected' | 'host_key_changed' | 'network' | 'address_refused' | 'error';

/** Connected, but the account runs something else than commands (ForceCommand, a nologin shell, command= in authorized_keys). */
export type ConnectedReason = 'commands_blocked';

export const UNREACHABLE_MESSAGES: Record<UnreachableReason, string> = {
  refused: 'The VM refused the connection: nothing listens on that SSH port.',
  timeout: 'The VM did not answer in time: check the address, that it is running, and the firewall.',
  slow_link: 'Slow link: the VM answers, but the login takes longer than Navigator waits. Navigator keeps trying.',
  dropped:
    'sshd closes the connection before greeting: it drops logins when too many arrive at once (MaxStartups), or a rule (hosts.deny, fail2ban) refuses this address.',
  dns: 'That DNS name was not found.',
  auth_rejected: "Navigator's key is not in ~/.ssh/authorized_keys yet.",
  host_key_changed: 'The host key changed since it was pinned: Navigator runs nothing on this machine.',
  network: 'The network has no route to the VM.',
  address_refused: 'Navigator does not connect to that address.',
  error: 'An unexpected SSH error occurred.',
};
