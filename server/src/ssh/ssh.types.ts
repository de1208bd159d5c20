import type { Duplex } from 'node:stream';
import type { ConnectionState, UnreachableReason } from '../contract/checks';
import type { Coded } from '../contract/i18n/coded';
import { CodedError } from '../contract/i18n/english';

export type { ConnectionState, UnreachableReason };

export interface VmTarget {
  id: string;
  host: string;
  port: number;
  user: string;
  /** SHA256:<base64> as ssh-keygen -l prints it; null until the first successful connection. */
  pinnedFingerprint: string | null;
  /** The key this VM is reached with (its attendee's own); the pool's default when absent. */
  privateKey?: Buffer;
  /** How to reach the VM's sshd when Navigator cannot dial host:port itself (a tunnel the VM opened). */
  route?: VmRoute;
}

/** Why a route has no stream to the VM: said as it is (tunnel not open, closed, VM sshd not answering). */
export class RouteUnavailable extends CodedError {
  constructor(
    readonly reason: UnreachableReason,
    coded: Coded,
  ) {
    super(coded);
  }
}

/** A way to a VM's sshd other than a TCP connection from Navigator. */
export interface VmRoute {
  /** A label for the route, so a target on a different route counts as a different machine. */
  readonly id: string;
  /** A stream to the VM's sshd; rejects with a RouteUnavailable when there is none. */
  open(): Promise<Duplex>;
  /** Why a connection over the route ended, when the route itself went (null: the connection's own error says). */
  lost(): RouteUnavailable | null;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes?: number;
}

export interface ShellRun {
  stdout: string;
  durationMs: number;
  /** The done marker did not arrive in time; the shell was discarded. */
  timedOut: boolean;
  /** The shell ended (or the connection dropped) before the done marker. */
  closed: boolean;
  /** How long the shell had printed nothing when the run ended (since the input was written, or its last output). */
  quietMs?: number;
  /** The account cannot run commands (ForceCommand, a nologin shell, command= in authorized_keys): what it printed instead. */
  blocked?: string;
}

/** The kept-open shell could not start: the account runs something else instead of commands. */
export class CommandsBlocked extends Error {
  constructor(readonly printed: string) {
    super(`commands are blocked on this account${printed ? `: ${printed}` : ''}`);
  }
}

/** sshd refused a forwarded channel with "administratively prohibited" (AllowTcpForwarding no, or a port outside permitopen). */
export class ForwardingProhibited extends Error {
  constructor(readonly port: number) {
    super(`forwarding to port ${port} is not permitted on this VM`);
  }
}

/** What the probes need of a connection; SshConnection implements it over ssh2. */
export interface VmChannel {
  /**
   * Writes input to a POSIX shell kept open on the VM; resolves when stdout contains doneMarker.
   * `setup` (definitions every run relies on) is written before it once per shell: again only when the shell is new.
   */
  /** A second shell running `script`, a loop that reads one line per tick; `onLine` hears what it prints. */
  watch?(script: string, onLine: (line: string) => void, onEnd: () => void): Promise<{ tick(): void; close(): void }>;
  runInShell(input: string, doneMarker: string, timeoutMs: number, setup?: string): Promise<ShellRun>;
  /** HTTP/1.1 to a port on the VM's localhost, over the SSH connection. */
  request(port: number, path: string, options: RequestOptions): Promise<HttpResponse>;
}
