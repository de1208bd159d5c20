import type { ConnectionState, UnreachableReason } from '../contract/checks';

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
  runInShell(input: string, doneMarker: string, timeoutMs: number, setup?: string): Promise<ShellRun>;
  /** HTTP/1.1 to a port on the VM's localhost, over the SSH connection. */
  request(port: number, path: string, options: RequestOptions): Promise<HttpResponse>;
}
