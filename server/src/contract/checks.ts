import type { Coded } from './i18n/coded';

/**
 * The vocabulary of the loop, one name per concept: what a check's result is, what a step's state is,
 * what a VM connection's state is and why. Probes produce these, progress decides with them, the
 * database stores them, the board and the web app show them.
 */

/** A check's outcome: `error` when it could not be evaluated (a timeout, a lost shell), never the attendee's failure. */
export type CheckStatus = 'pass' | 'fail' | 'error';

/**
 * One check's outcome in one sweep. `reason` is for people, as a code each page renders in its reader's
 * language (englishText for logs); `output` is a bounded tail for the navigator.
 */
export interface CheckResult {
  checkId: string;
  status: CheckStatus;
  reason: Coded | null;
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
  | 'refused'
  | 'timeout'
  | 'slow_link'
  | 'dropped'
  | 'dns'
  | 'auth_rejected'
  | 'host_key_changed'
  | 'network'
  | 'address_refused'
  /** An established connection dropped (sshd killed, a reset, the socket closed): not a login that failed. */
  | 'lost'
  | 'error'
  // A VM behind NAT, reached through the tunnel it opens to Navigator: not opened yet, closed, or open with its sshd silent.
  | 'tunnel_not_open'
  | 'tunnel_closed'
  | 'tunnel_sshd_silent';

/** Connected, but the account runs something else than commands (ForceCommand, a nologin shell, command= in authorized_keys). */
export type ConnectedReason = 'commands_blocked';

/** What each unreachable reason means for people, in general words (`reasons.unreachable.<reason>`). */
export function unreachableMessage(reason: UnreachableReason): Coded {
  return { code: `unreachable.${reason}` };
}
